"""The model on the held-out split and the independent set: guards against regressions.

`make eval` writes the full report (docs/nlu-report.md); these tests keep the
model from silently getting worse than a floor below the 95 % target on the
split, and below today's numbers on the independent set.
"""

import pytest

from bot.cli.evaluate import render_report
from bot.evaluation import LanguageScore, evaluate_both
from tests.content import INDEPENDENT_DIR, TEST_SPLIT_DIR

FLOOR = 0.90

# The independent set (tests/nlu/independent/). Issue #20's floor there is 90 %
# intent accuracy in each language (its target 95 %), but the model is still below it.
# With the logistic regression over the sparse features and the sentence encoder
# (bot/nlu/linear_intent_classifier.py, docs/nlu-encoder.md), its calibrated thresholds,
# and the training data in shoppers' styles and the public out-of-scope negatives
# (data/nlu/*/shopper_styles.yml, out_of_scope_public.yml, more FAQ questions): 88.4 %
# (ko) and 88.6 % (en) intent accuracy (84.1 / 80.9 % before that data; DIET: 80.3 /
# 81.7 % with the encoder, 78.8 / 77.7 % before it), FAQ entry accuracy 90.5 % / 78.6 %,
# out-of-scope recall 90.3 % / 97.9 %, confident-wrong 1.9 % / 1.3 % (2.2 % / 1.6 % by the intent's
# confidence alone) (docs/nlu-report.md, 2026-12-08). A message the bot answers with
# "Did you mean ...?" counts as missed here. The floors sit about four points under
# those numbers, as the split's floor sits under its 95-97 %: the same data trained on
# another CPU gives weights whose last bits differ, which can move a few borderline
# messages (one message is 0.3 points, one FAQ entry of Korean 1.4). Raise them with
# every improvement; intent accuracy to 0.90 once the model gets there.
INDEPENDENT_FLOORS = {
    "ko": {"intent_accuracy": 0.84, "faq_accuracy": 0.86, "oos_recall": 0.85},
    "en": {"intent_accuracy": 0.84, "faq_accuracy": 0.74, "oos_recall": 0.93},
}
# Wrong answers at confidence >= 0.8 among all messages: issue #20's target is 2 %,
# met; the ceilings leave room for two or three borderline messages.
CONFIDENT_WRONG_CEILINGS = {"ko": 0.03, "en": 0.025}
# The same by the intent's confidence alone.
CONFIDENT_WRONG_BY_INTENT_CEILINGS = {"ko": 0.035, "en": 0.03}


@pytest.fixture(scope="module")
def both(model_path) -> tuple[list[LanguageScore], list[LanguageScore]]:
    # One model load for both sets: loading is most of the time.
    return evaluate_both(model_path, TEST_SPLIT_DIR, INDEPENDENT_DIR)


@pytest.fixture(scope="module")
def scores(both):
    return both[0]


def test_each_language_is_above_the_floor(scores):
    for score in scores:
        assert score.examples >= 250
        assert score.intent_accuracy >= FLOOR, (score.language, score.intent_accuracy)
        assert score.faq_accuracy >= FLOOR - 0.05, (score.language, score.faq_accuracy)


def test_the_independent_set_does_not_fall_below_today(both):
    for score in both[1]:
        assert score.examples >= 300
        for metric, floor in INDEPENDENT_FLOORS[score.language].items():
            value = getattr(score, metric)
            assert value is not None and value >= floor, (score.language, metric, value)
        ceiling = CONFIDENT_WRONG_CEILINGS[score.language]
        assert score.confident_wrong_rate <= ceiling, (
            score.language,
            score.confident_wrong_rate,
            score.confident_wrong,
        )
        by_intent = CONFIDENT_WRONG_BY_INTENT_CEILINGS[score.language]
        assert score.confident_wrong_intent_rate <= by_intent, (
            score.language,
            score.confident_wrong_intent_rate,
        )


def test_report_lists_both_languages_and_the_misclassified(scores, model_path):
    report = render_report(model_path, scores)
    assert "| Korean (ko) |" in report and "| English (en) |" in report
    assert report.count("misclassified") == 2


def test_report_shows_the_independent_set_beside_the_split(both, model_path):
    report = render_report(model_path, both[0], independent=both[1])
    assert "| independent | Korean (ko) |" in report
    assert "| independent | English (en) |" in report
