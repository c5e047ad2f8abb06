"""The confusion matrix of `eva eval` as a PNG: one panel per language, side by side.

Rows are the expected intents, columns the predicted ones; FAQ questions are
collapsed to `faq` and `nlu_fallback` always has a column, so a model that
falls back too often shows it. Hangul needs a CJK font: Debian's
`fonts-noto-cjk` (`make fonts`). Without it the chart is still drawn, with the
default font.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.evaluation import LanguageScore, coarse

FALLBACK_INTENT = "nlu_fallback"
CJK_FAMILIES = ("Noto Sans CJK KR", "Noto Sans CJK JP")
PANEL_TITLES = {"ko": "한국어 (ko)", "en": "English (en)"}
FIGURE_SIZE = (18.0, 8.5)
DPI = 100


def cjk_font_family() -> str | None:
    """The family name of an installed Noto CJK font, None without one.

    Matplotlib caches its font list: a font installed after the cache was built
    is not in it, so the Noto CJK files on the system are registered first.
    """
    try:
        found = _known_cjk_family()
        if found is None:
            for path in font_manager.findSystemFonts():
                if Path(path).name.startswith("NotoSansCJK"):
                    font_manager.fontManager.addfont(path)
            found = _known_cjk_family()
        return found
    except Exception:  # a missing or broken font never fails a run
        return None


def _known_cjk_family() -> str | None:
    names = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def confusion_counts(
    score: LanguageScore,
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Expected intents (rows), predicted intents (columns) and the count of each pair.

    `score.misclassified` holds every wrong prediction and `score.per_label` the
    right ones, so the matrix needs no second pass over the model.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for _text, gold, predicted in score.misclassified:
        gold_intent, predicted_intent = coarse(gold), coarse(predicted)
        if gold_intent != predicted_intent:
            counts[gold_intent, predicted_intent] += 1
    for label, (hits, _total) in score.per_label.items():
        counts[label, label] += hits
    rows = sorted(score.per_label)
    extra = sorted({p for _g, p in counts if p not in rows} | {FALLBACK_INTENT})
    columns = rows + [label for label in extra if label not in rows]
    return rows, columns, {pair: n for pair, n in counts.items() if n}


def confusion_matrix_png(scores: Sequence[LanguageScore], path: Path) -> Path:
    """Draw one confusion matrix per language side by side and write it to `path`."""
    family = cjk_font_family()
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    font = {"family": family} if family else {}
    panels = max(len(scores), 1)
    for index, score in enumerate(scores, start=1):
        axes = figure.add_subplot(1, panels, index)
        rows, columns, counts = confusion_counts(score)
        matrix = [[counts.get((row, column), 0) for column in columns] for row in rows]
        axes.imshow(matrix, cmap="Blues", aspect="auto", vmin=0)
        brightest = max((max(line) for line in matrix if line), default=0)
        for i, line in enumerate(matrix):
            for j, value in enumerate(line):
                if value:
                    axes.text(
                        j,
                        i,
                        str(value),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if value > brightest / 2 else "black",
                        fontdict=font,
                    )
        axes.set_xticks(range(len(columns)))
        axes.set_xticklabels(columns, rotation=60, ha="right", fontsize=8, fontdict=font)
        axes.set_yticks(range(len(rows)))
        axes.set_yticklabels(rows, fontsize=8, fontdict=font)
        axes.set_xlabel("예측 / predicted", fontdict=font)
        axes.set_ylabel("정답 / expected", fontdict=font)
        title = PANEL_TITLES.get(score.language, score.language)
        axes.set_title(
            f"{title}: {score.examples} examples, intent accuracy "
            f"{100 * score.intent_accuracy:.1f} %",
            fontdict=font,
        )
    figure.suptitle("의도 혼동 행렬 / Intent confusion matrix", fontsize=14, fontdict=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        if family is None:
            # Hangul glyphs are missing from the default font: the chart is still useful.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from current font")
        figure.tight_layout()
        figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path
