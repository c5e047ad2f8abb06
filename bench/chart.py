"""docs/img/bench-latency.png: latency (p50, p95) and messages/s against concurrency.

Hangul in the labels needs a CJK font (Debian's fonts-noto-cjk); without one the chart
is drawn with the default font.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.results import BASELINE, OURS, REST, WIDGET, Results
from bench.stats import MedianLoad, is_number

CJK_FAMILIES = ("Noto Sans CJK KR", "Noto Sans CJK JP")
SERIES = (
    (OURS, REST, "Eva (REST)", "tab:blue"),
    (OURS, WIDGET, "Eva (widget)", "tab:green"),
    (BASELINE, REST, "stock Rasa 3.6 (REST)", "tab:red"),
)


def cjk_font_family() -> str | None:
    """An installed Noto CJK family, registering the system's files if the cache lacks them."""
    try:
        names = {font.name for font in font_manager.fontManager.ttflist}
        if not names.intersection(CJK_FAMILIES):
            for path in font_manager.findSystemFonts():
                if Path(path).name.startswith("NotoSansCJK"):
                    font_manager.fontManager.addfont(path)
            names = {font.name for font in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)
    except Exception:  # a missing or broken font never fails a run
        return None


def _points(
    results: Results, system: str, channel: str, field: str
) -> tuple[list[int], list[float]]:
    xs: list[int] = []
    ys: list[float] = []
    for concurrency in results.concurrencies:
        load: MedianLoad | None = results.load(system, channel, concurrency)
        value = float(getattr(load, field)) if load is not None else float("nan")
        if is_number(value):
            xs.append(concurrency)
            ys.append(value)
    return xs, ys


def draw(results: Results, path: Path) -> None:
    family = cjk_font_family()
    font = {"family": family} if family else {}
    figure = Figure(figsize=(12, 4.8), dpi=100)
    FigureCanvasAgg(figure)
    latency, throughput = figure.subplots(1, 2)
    for system, channel, label, colour in SERIES:
        xs, p50 = _points(results, system, channel, "p50_ms")
        if xs:
            latency.plot(xs, p50, "o-", color=colour, label=f"{label} p50")
        xs, p95 = _points(results, system, channel, "p95_ms")
        if xs:
            latency.plot(xs, p95, "s--", color=colour, label=f"{label} p95")
        xs, rate = _points(results, system, channel, "per_second")
        if xs:
            throughput.plot(xs, rate, "o-", color=colour, label=label)
    for axes in (latency, throughput):
        axes.set_xscale("log", base=2)
        axes.set_xticks(list(results.concurrencies))
        axes.set_xticklabels([str(c) for c in results.concurrencies])
        axes.set_xlabel("동시 대화 수 / concurrent conversations", **font)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8, prop=font_manager.FontProperties(**font, size=8))
    latency.set_yscale("log")
    latency.set_ylabel("응답 시간 / reply latency (ms)", **font)
    latency.set_title("지연 시간 / Latency (p50, p95)", **font)
    throughput.set_ylim(bottom=0)
    throughput.set_ylabel("메시지/초 / messages per second", **font)
    throughput.set_title("처리량 / Throughput", **font)
    figure.suptitle(f"Eva vs stock Rasa 3.6 — {results.machine.date}", **font)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None})
