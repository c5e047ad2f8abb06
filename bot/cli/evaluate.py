"""`eva eval`: score the model on the held-out split and the independent set, write
docs/nlu-report.md.

Also draws the confusion matrix (docs/img/nlu-confusion.png), keeps the scores in
docs/nlu-report.json and prints what got better or worse since the previous run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from rasa.utils.log_utils import configure_structlog

from bot import evaluation_history
from bot.evaluation import (
    CONFIDENT,
    INDEPENDENT_DIR,
    OUTCOMES,
    TEST_SPLIT_DIR,
    LanguageScore,
    evaluate_both,
)
from bot.evaluation_chart import confusion_matrix_png
from bot.stack import PROJECT_DIR

LANGUAGE_NAMES = {"ko": "Korean", "en": "English"}


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _optional_percent(value: float | None) -> str:
    return "-" if value is None else _percent(value)


def render_report(
    model: Path,
    scores: list[LanguageScore],
    image: str | None = None,
    comparison: list[str] | None = None,
    independent: list[LanguageScore] | None = None,
) -> str:
    """The Markdown report; `image` is the confusion matrix's path relative to it.

    `comparison` holds the changes since the previous run: None when there was
    no previous run, [] when nothing changed. `independent` holds the
    independent set's scores, shown beside the split's.
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
        "The sentence encoder beside the sparse features, which encoders were compared, "
        "why this one, what it costs and how the classifiers were tuned: "
        "[nlu-encoder.md](nlu-encoder.md).",
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
    if independent:
        lines += _both_splits(scores, independent)
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
        lines += _per_intent(LANGUAGE_NAMES[s.language], s)
        lines += _wrong_answers(f"{LANGUAGE_NAMES[s.language]}: misclassified", s)
    for s in independent or []:
        lines += _independent_details(s)
    return "\n".join(lines) + "\n"


def _both_splits(scores: list[LanguageScore], independent: list[LanguageScore]) -> list[str]:
    lines = [
        "",
        "## The independent set beside the held-out split",
        "",
        "The held-out split was written with the training data, so it measures memory "
        "as much as understanding. The independent set in `tests/nlu/independent/` was "
        "not: messages from public corpora and messages written fresh in styles the "
        "training data lacks (its README lists sources, licences and how items were "
        "labelled). Neither is ever trained on.",
        "",
        "- *OOS recall*: out-of-scope messages answered `out_of_scope`; *OOS declined*: "
        "answered `out_of_scope` or `nlu_fallback` (either way no wrong answer);",
        f"- *confident-wrong*: wrong answers given at confidence >= {CONFIDENT}, among all "
        "messages (`nlu_fallback` is no answer); an FAQ answer's confidence is the lower "
        "of the intent's and the FAQ entry's; *by intent*: the same by the intent's "
        "confidence alone (a model whose FAQ entry is not gated on its own confidence, "
        "such as DIET with the ResponseSelector, answers with this rate).",
        '- A message the bot answers with "Did you mean ...?" buttons (`nlu_fallback`, '
        "config.yml's thresholds) counts as missed in the accuracies.",
        "",
        "Issue #20's targets on the independent set: intent accuracy >= 95 % in each "
        "language, FAQ entry accuracy >= 92 %, OOS recall >= 90 %, confident-wrong <= 2 %.",
        "",
        "| split | language | examples | intent accuracy | full accuracy "
        "| FAQ entry accuracy | OOS recall | OOS declined | confident-wrong "
        "| confident-wrong by intent |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += _table_rows(
        scores,
        independent,
        lambda s: [
            str(s.examples),
            _percent(s.intent_accuracy),
            _percent(s.full_accuracy),
            _percent(s.faq_accuracy),
            _optional_percent(s.oos_recall),
            _optional_percent(s.oos_declined),
            _percent(s.confident_wrong_rate),
            _percent(s.confident_wrong_intent_rate),
        ],
    )
    return lines + _outcome_table(scores, independent)


def _table_rows(
    scores: list[LanguageScore],
    independent: list[LanguageScore],
    cells: Callable[[LanguageScore], list[str] | None],
) -> list[str]:
    """One row per split and language: its name, then `cells` (no row for None)."""
    lines = []
    for split, rows in (("held-out", scores), ("independent", independent)):
        for s in rows:
            if (values := cells(s)) is not None:
                name = f"{LANGUAGE_NAMES[s.language]} ({s.language})"
                lines.append(f"| {split} | {name} | " + " | ".join(values) + " |")
    return lines


def _outcome_table(scores: list[LanguageScore], independent: list[LanguageScore]) -> list[str]:
    """What a shopper gets from each message, "Did you mean ...?" counted apart."""
    lines = [
        "",
        'What a shopper gets, share of all messages: the right answer; "Did you mean '
        '...?" buttons with the right reading among them (a tap away), or without it; no '
        "answer (the out-of-scope reply, or the fallback with nothing to offer); a wrong "
        "answer at any confidence.",
        "",
        "| split | language | right | buttons, right one offered | buttons, right one not "
        "offered | no answer | wrong answer |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    return lines + _table_rows(
        scores,
        independent,
        lambda s: (
            [_percent(s.outcomes[key] / s.examples) for key in OUTCOMES] if s.outcomes else None
        ),
    )


def _independent_details(s: LanguageScore) -> list[str]:
    name = f"{LANGUAGE_NAMES[s.language]} (independent set)"
    lines = _per_intent(name, s)
    lines += [
        "",
        f"### {name}: per source",
        "",
        "Right means the intent and, for FAQ questions, the FAQ entry.",
        "",
        "| source | right | examples |",
        "|---|---:|---:|",
    ]
    lines += [f"| {source} | {hit} | {total} |" for source, (hit, total) in s.per_source.items()]
    lines += ["", f"### {name}: wrong answers at confidence >= {CONFIDENT}", ""]
    if not s.confident_wrong:
        lines.append("None.")
    else:
        lines += ["| text | expected | predicted | confidence |", "|---|---|---|---:|"]
        lines += [
            f"| {_cell(text)} | {gold} | {predicted} | {confidence:.2f} |"
            for text, gold, predicted, confidence in s.confident_wrong
        ]
    return lines + _wrong_answers(f"{name}: every wrong answer", s)


def _per_intent(name: str, s: LanguageScore) -> list[str]:
    lines = ["", f"## {name}: per intent", "", "| intent | right | examples |", "|---|---:|---:|"]
    return lines + [f"| {label} | {hit} | {total} |" for label, (hit, total) in s.per_label.items()]


def _wrong_answers(heading: str, s: LanguageScore) -> list[str]:
    lines = ["", f"### {heading}", ""]
    if not s.misclassified:
        return [*lines, "None."]
    lines += ["| text | expected | predicted |", "|---|---|---|"]
    return lines + [f"| {_cell(text)} | {gold} | {p} |" for text, gold, p in s.misclassified]


def _cell(text: str) -> str:
    """A message as one Markdown table cell."""
    return " ".join(text.replace("|", "/").split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eva eval", description=__doc__)
    parser.add_argument("--model", type=Path, default=PROJECT_DIR / "models" / "current.tar.gz")
    parser.add_argument("--split", type=Path, default=PROJECT_DIR / TEST_SPLIT_DIR)
    parser.add_argument(
        "--independent",
        type=Path,
        default=PROJECT_DIR / INDEPENDENT_DIR,
        help="the independent set's folder (en.csv, ko.csv); 'none' skips it",
    )
    parser.add_argument("--report", type=Path, default=PROJECT_DIR / "docs" / "nlu-report.md")
    parser.add_argument(
        "--image", type=Path, default=PROJECT_DIR / "docs" / "img" / "nlu-confusion.png"
    )
    parser.add_argument("--history", type=Path, default=PROJECT_DIR / "docs" / "nlu-report.json")
    args = parser.parse_args(argv)
    # Rasa's debug lines (one per parsed example) only when asked for, as `rasa` does.
    configure_structlog(logging.getLevelName(os.environ.get("LOG_LEVEL", "WARNING")))
    independent_dir = None if str(args.independent) == "none" else args.independent
    scores, independent = evaluate_both(args.model, args.split, independent_dir)
    # Read before anything is overwritten: the previous run's scores.
    previous = evaluation_history.load(args.history)
    comparison = (
        None
        if previous is None
        else evaluation_history.compare(previous, evaluation_history.summarize(scores, independent))
    )
    confusion_matrix_png(scores, args.image)
    image = Path(os.path.relpath(args.image, args.report.parent)).as_posix()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    report = render_report(args.model, scores, image, comparison, independent)
    args.report.write_text(report, encoding="utf-8")
    evaluation_history.save(scores, args.history, independent)
    for s in scores:
        print(
            f"{LANGUAGE_NAMES[s.language]}: intent accuracy {_percent(s.intent_accuracy)}, "
            f"full accuracy {_percent(s.full_accuracy)} on {s.examples} examples"
        )
    for s in independent:
        print(
            f"{LANGUAGE_NAMES[s.language]}, independent set: intent accuracy "
            f"{_percent(s.intent_accuracy)}, FAQ entry accuracy {_percent(s.faq_accuracy)}, "
            f"OOS recall {_optional_percent(s.oos_recall)}, confident-wrong "
            f"{_percent(s.confident_wrong_rate)} ({_percent(s.confident_wrong_intent_rate)} "
            f"by intent) on {s.examples} examples"
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
