"""`eva eval`: score the model on the held-out split and write docs/nlu-report.md."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from bot.evaluation import TEST_SPLIT_DIR, LanguageScore, evaluate
from bot.stack import PROJECT_DIR

LANGUAGE_NAMES = {"ko": "Korean", "en": "English"}


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def render_report(model: Path, scores: list[LanguageScore]) -> str:
    lines = [
        "# NLU report",
        "",
        f"Model `{model.name}`, scored on the held-out split in `tests/nlu/` "
        f"(never used for training) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. "
        "Regenerate with `make eval`.",
        "",
        "- *intent accuracy*: the intent is right, with every FAQ question counted as `faq`;",
        "- *full accuracy*: the intent is right and, for FAQ questions, so is the FAQ entry;",
        "- *FAQ entry accuracy*: among FAQ questions only, the right entry was chosen.",
        "",
        "| language | examples | intent accuracy | intent macro-F1 | full accuracy "
        "| FAQ entry accuracy |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {LANGUAGE_NAMES[s.language]} ({s.language}) | {s.examples} "
            f"| {_percent(s.intent_accuracy)} | {s.intent_macro_f1:.3f} "
            f"| {_percent(s.full_accuracy)} | {_percent(s.faq_accuracy)} |"
        )
    for s in scores:
        lines += [
            "",
            f"## {LANGUAGE_NAMES[s.language]}: per intent",
            "",
            "| intent | right | examples |",
            "|---|---:|---:|",
        ]
        lines += [f"| {label} | {hit} | {total} |" for label, (hit, total) in s.per_label.items()]
        lines += ["", f"### {LANGUAGE_NAMES[s.language]}: misclassified", ""]
        if not s.misclassified:
            lines.append("None.")
        else:
            lines += ["| text | expected | predicted |", "|---|---|---|"]
            lines += [
                f"| {text.replace('|', '/')} | {gold} | {predicted} |"
                for text, gold, predicted in s.misclassified
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eva eval", description=__doc__)
    parser.add_argument("--model", type=Path, default=PROJECT_DIR / "models" / "current.tar.gz")
    parser.add_argument("--split", type=Path, default=PROJECT_DIR / TEST_SPLIT_DIR)
    parser.add_argument("--report", type=Path, default=PROJECT_DIR / "docs" / "nlu-report.md")
    args = parser.parse_args(argv)
    scores = evaluate(args.model, args.split)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render_report(args.model, scores), encoding="utf-8")
    for s in scores:
        print(
            f"{LANGUAGE_NAMES[s.language]}: intent accuracy {_percent(s.intent_accuracy)}, "
            f"full accuracy {_percent(s.full_accuracy)} on {s.examples} examples"
        )
    print(f"Report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
