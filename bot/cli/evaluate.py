"""`eva eval`: score the model on the held-out split and write docs/nlu-report.md.

Also draws the confusion matrix (docs/img/nlu-confusion.png), keeps the scores in
docs/nlu-report.json and prints what got better or worse since the previous run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from rasa.utils.log_utils import configure_structlog

from bot import evaluation_history
from bot.evaluation import TEST_SPLIT_DIR, LanguageScore, evaluate
from bot.evaluation_chart import confusion_matrix_png
from bot.stack import PROJECT_DIR

LANGUAGE_NAMES = {"ko": "Korean", "en": "English"}


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def render_report(
    model: Path,
    scores: list[LanguageScore],
    image: str | None = None,
    comparison: list[str] | None = None,
) -> str:
    """The Markdown report; `image` is the confusion matrix's path relative to it.

    `comparison` holds the changes since the previous run: None when there was
    no previous run, [] when nothing changed.
    """
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
    lines += ["", "## Compared with the previous run", ""]
    if comparison is None:
        lines.append("No previous run to compare with.")
    elif not comparison:
        lines.append("No change.")
    else:
        lines += [f"- {line}" for line in comparison]
    if image is not None:
        lines += [
            "",
            "## Confusion matrix",
            "",
            "Rows are the expected intents, columns the predicted ones "
            "(FAQ questions counted as `faq`).",
            "",
            f"![confusion matrix]({image})",
        ]
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
    parser.add_argument(
        "--image", type=Path, default=PROJECT_DIR / "docs" / "img" / "nlu-confusion.png"
    )
    parser.add_argument("--history", type=Path, default=PROJECT_DIR / "docs" / "nlu-report.json")
    args = parser.parse_args(argv)
    # Rasa's debug lines (one per parsed example) only when asked for, as `rasa` does.
    configure_structlog(logging.getLevelName(os.environ.get("LOG_LEVEL", "WARNING")))
    scores = evaluate(args.model, args.split)
    # Read before anything is overwritten: the previous run's scores.
    previous = evaluation_history.load(args.history)
    comparison = (
        None
        if previous is None
        else evaluation_history.compare(previous, evaluation_history.summarize(scores))
    )
    confusion_matrix_png(scores, args.image)
    image = Path(os.path.relpath(args.image, args.report.parent)).as_posix()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render_report(args.model, scores, image, comparison), encoding="utf-8")
    evaluation_history.save(scores, args.history)
    for s in scores:
        print(
            f"{LANGUAGE_NAMES[s.language]}: intent accuracy {_percent(s.intent_accuracy)}, "
            f"full accuracy {_percent(s.full_accuracy)} on {s.examples} examples"
        )
    if comparison is None:
        print(f"No previous run to compare with ({args.history} missing or unreadable).")
    else:
        print("Compared with the previous run:" if comparison else "No change since the last run.")
        for line in comparison:
            print(f"  {line}")
    print(f"Report written to {args.report}, confusion matrix to {args.image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
