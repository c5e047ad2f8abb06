"""The evaluation report's chart and history, on hand-made scores: no model, no servers."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from bot.cli.evaluate import render_report
from bot.evaluation import (
    FALLBACK,
    Example,
    LanguageScore,
    load_independent,
    predicted_confidence,
    score,
)
from bot.evaluation_chart import cjk_font_family, confusion_counts, confusion_matrix_png
from bot.evaluation_history import compare, from_json, load, save, summarize, to_json
from bot.nlu.offered_readings import offered_readings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _scores(out_of_scope_right: int = 2) -> list[LanguageScore]:
    ko = [
        Example("안녕하세요", "greet"),
        Example("주문 취소해주세요", "cancel_order"),
        Example("환불 언제 돼요?", "faq/refund_time"),
        Example("배송비 얼마예요?", "faq/shipping_cost"),
        Example("오늘 날씨 어때", "out_of_scope"),
        Example("노래 불러줘", "out_of_scope"),
    ]
    ko_predicted = [
        "greet",
        "cancel_order",
        "faq/refund_time",
        "faq/refund_time",  # right intent, wrong FAQ entry
        "out_of_scope" if out_of_scope_right >= 2 else "nlu_fallback",
        "out_of_scope" if out_of_scope_right >= 1 else "greet",
    ]
    en = [
        Example("hello", "greet"),
        Example("cancel my order", "cancel_order"),
        Example("when do I get my refund?", "faq/refund_time"),
        Example("what's the weather", "out_of_scope"),
    ]
    en_predicted = ["greet", "faq/refund_time", "faq/refund_time", "nlu_fallback"]
    return [score("ko", ko, ko_predicted), score("en", en, en_predicted)]


def test_confusion_counts_collapse_faq_and_show_the_fallback():
    rows, columns, counts = confusion_counts(_scores(out_of_scope_right=1)[0])
    assert rows == ["cancel_order", "faq", "greet", "out_of_scope"]
    assert columns == [*rows, "nlu_fallback"]
    assert counts[("faq", "faq")] == 2
    assert counts[("out_of_scope", "out_of_scope")] == 1
    assert counts[("out_of_scope", "nlu_fallback")] == 1
    assert sum(counts.values()) == 6


def test_png_is_written(tmp_path: Path):
    path = confusion_matrix_png(_scores(), tmp_path / "img" / "confusion.png")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 10_000


def test_png_is_deterministic(tmp_path: Path):
    first = confusion_matrix_png(_scores(), tmp_path / "a.png").read_bytes()
    second = confusion_matrix_png(_scores(), tmp_path / "b.png").read_bytes()
    assert first == second


def test_hangul_renders_with_the_cjk_font(tmp_path: Path):
    if cjk_font_family() is None:
        pytest.skip("fonts-noto-cjk is not installed: run `make fonts`")
    hangul = _scores()
    examples = [Example("안녕", "인사"), Example("취소", "주문취소")]
    hangul[0] = score("ko", examples, ["인사", "인사"])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from current font")
        path = confusion_matrix_png(hangul, tmp_path / "hangul.png")
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_history_round_trips(tmp_path: Path):
    scores = _scores()
    path = save(scores, tmp_path / "nlu-report.json")
    assert load(path) == summarize(scores)
    assert from_json(to_json(summarize(scores))) == summarize(scores)
    assert load(path)["ko"].per_intent["out_of_scope"] == (2, 2)  # type: ignore[index]


def test_compare_reports_a_gain_and_a_loss():
    before = summarize(_scores(out_of_scope_right=0))
    after = summarize(_scores(out_of_scope_right=2))
    after["en"] = dataclasses.replace(after["en"], intent_accuracy=0.25)  # en: 50 % before
    lines = compare(before, after)
    assert "ko intent accuracy 66.7 % -> 100.0 % (+33.3)" in lines
    assert "ko full accuracy 50.0 % -> 83.3 % (+33.3)" in lines
    assert "ko out_of_scope 0/2 -> 2/2" in lines
    assert "en intent accuracy 50.0 % -> 25.0 % (-25.0)" in lines
    assert not any(line.startswith("ko FAQ entry accuracy") for line in lines)  # unchanged
    assert compare(after, after) == []


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 1}', ""])
def test_a_corrupt_previous_file_gives_no_comparison(tmp_path: Path, content: str):
    path = tmp_path / "nlu-report.json"
    path.write_text(content, encoding="utf-8")
    assert load(path) is None
    assert compare(load(path), summarize(_scores())) == []


def test_a_missing_previous_file_gives_no_comparison(tmp_path: Path):
    assert load(tmp_path / "missing.json") is None


def test_report_links_the_image_and_lists_the_changes():
    report = render_report(
        Path("models/current.tar.gz"),
        _scores(),
        image="img/nlu-confusion.png",
        comparison=["ko out_of_scope 0/2 -> 2/2"],
    )
    assert "![confusion matrix](img/nlu-confusion.png)" in report
    assert "## Compared with the previous run\n\n- ko out_of_scope 0/2 -> 2/2" in report
    assert report.count("misclassified") == 2


def _independent() -> list[LanguageScore]:
    examples = [
        Example("where iz my order 8174420965301178", "order_status", "fresh"),
        Example("what's on tv tonight", "out_of_scope", "fresh"),
        Example("tell me a joke", "out_of_scope", "clinc150"),
        Example("how do i change my pw", "faq/change_password", "clinc150"),
        Example("how long does a refund take", "faq/refund_processing_time", "clinc150"),
    ]
    predicted = [
        "order_status",
        "faq/live_chat_hours",  # wrong and sure of it: a confident wrong answer
        "nlu_fallback",  # declined: not an answer, so never a confident wrong one
        "faq/account_settings",  # wrong entry, chosen at 0.79: below the confident line
        "faq/refund_processing_time",
    ]
    confidences = [0.99, 0.95, 1.0, 0.79, 0.9]
    # The intent (faq) of "how do i change my pw" was sure: by intent it counts.
    intent_confidences = [0.99, 0.95, 1.0, 0.99, 0.9]
    return [score("en", examples, predicted, confidences, intent_confidences)]


def test_out_of_scope_recall_counts_the_fallback_only_as_declined():
    result = _independent()[0]
    assert result.oos_recall == 0.0
    assert result.oos_declined == 0.5
    ko = _scores()[0]
    assert ko.oos_recall == 1.0 and ko.oos_declined == 1.0
    assert score("en", [Example("hi", "greet")], ["greet"]).oos_recall is None


def test_confident_wrong_answers_are_wrong_and_at_least_0_8():
    result = _independent()[0]
    assert result.confident_wrong == [
        ("what's on tv tonight", "out_of_scope", "faq/live_chat_hours", 0.95)
    ]
    assert result.confident_wrong_rate == pytest.approx(1 / 5)
    assert result.confident_wrong_intent_rate == pytest.approx(2 / 5)
    # Without confidences (another parser's answers) there is nothing to count.
    assert _scores()[0].confident_wrong == []


def test_per_source_counts_full_answers():
    assert _independent()[0].per_source == {"clinc150": (1, 3), "fresh": (1, 2)}
    assert _scores()[0].per_source == {}  # the held-out split has no sources


def test_an_faq_answer_is_as_sure_as_its_less_sure_pick():
    parse = {
        "intent": {"name": "faq", "confidence": 0.97, "full_retrieval_intent_name": "faq/x"},
        "response_selector": {"faq": {"response": {"confidence": 0.4}}},
    }
    assert predicted_confidence(parse) == pytest.approx(0.4)
    parse["response_selector"]["faq"]["response"]["confidence"] = 0.99  # type: ignore[index]
    assert predicted_confidence(parse) == pytest.approx(0.97)
    assert predicted_confidence({"intent": {"name": "greet", "confidence": 0.6}}) == 0.6


def test_independent_set_is_read_with_its_sources(tmp_path: Path):
    path = tmp_path / "en.csv"
    path.write_text(
        "text,label,source,licence,note\n"
        '"hi, you",greet,clinc,CC-BY-3.0,clinc150:greeting\n'
        "cancel 8171234500987766,cancel_order,fresh,project,curt\n",
        encoding="utf-8",
    )
    assert load_independent(path) == [
        Example("hi, you", "greet", "clinc"),
        Example("cancel 8171234500987766", "cancel_order", "fresh"),
    ]


def test_report_shows_the_independent_set_beside_the_split():
    report = render_report(Path("m.tar.gz"), _scores(), independent=_independent())
    assert "| held-out | Korean (ko) | 6 |" in report
    assert (
        "| independent | English (en) | 5 | 60.0 % | 40.0 % | 50.0 % | 0.0 % | 50.0 % | 20.0 % "
        "| 40.0 % |" in report
    )
    assert "| what's on tv tonight | out_of_scope | faq/live_chat_hours | 0.95 |" in report
    assert "| clinc150 | 1 | 3 |" in report
    # Without the independent set the report is as before.
    assert "independent" not in render_report(Path("m.tar.gz"), _scores())


def test_history_keeps_the_independent_set_apart():
    history = summarize(_scores(), _independent())
    assert sorted(history) == ["en", "independent/en", "ko"]
    before = summarize(_scores())
    assert compare(before, history) == ["independent/en is new: intent accuracy 60.0 %"]


def test_outcomes_count_did_you_mean_apart():
    """A "Did you mean ...?" with the right reading among its buttons is a tap from the
    right answer; without it, or with nothing to offer, the shopper got no answer."""
    examples = [
        Example("where is my parcel", "order_status"),
        Example("refund pls", "refund_dispute"),
        Example("refund time", "faq/refund_processing_time"),
        Example("what's on tv", "out_of_scope"),
        Example("blah", "cancel_order"),
        Example("hi there", "greet"),
    ]
    predicted = ["order_status", FALLBACK, FALLBACK, FALLBACK, "out_of_scope", "thank"]
    offered = [
        (),
        ("cancel_order", "refund_dispute"),
        ("faq/shipping_time", "order_status"),
        (),
        (),
        (),
    ]
    scored = score("en", examples, predicted, offered=offered)
    assert scored.outcomes == {
        "right": 1,
        "buttons_with_right": 1,
        "buttons_without_right": 1,
        "no_answer": 2,
        "wrong": 1,
    }
    report = render_report(Path("m.tar.gz"), _scores(), independent=[scored])
    assert "| independent | English (en) | 16.7 % | 16.7 % | 16.7 % | 33.3 % | 16.7 % |" in report
    # Without the offered readings there is nothing to count, and no row.
    assert score("en", examples, predicted).outcomes == {}


def test_only_two_or_more_likely_offerable_readings_are_offered():
    ranking = [
        {"name": "faq/refund_processing_time", "confidence": 0.35},
        {"name": "greet", "confidence": 0.3},
        {"name": "faq/refund_processing_time", "confidence": 0.3},
        {"name": "refund_dispute", "confidence": 0.2},
        {"name": 7, "confidence": 0.2},
        {"name": "cancel_order", "confidence": 0.05},
    ]

    def offerable(label: str) -> bool:
        return label != "greet"

    assert offered_readings(ranking, offerable) == [
        "faq/refund_processing_time",
        "refund_dispute",
    ]
    assert offered_readings(ranking[:3], offerable) == []
    assert offered_readings({"not": "a list"}, offerable) == []
