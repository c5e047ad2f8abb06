"""The model on the held-out split: a guard against regressions, per language.

`make eval` writes the full report (docs/nlu-report.md); this test keeps the
model from silently getting worse than a floor below the 95 % target.
"""

import pytest

from bot.cli.evaluate import render_report
from bot.evaluation import evaluate
from tests.content import TEST_SPLIT_DIR

FLOOR = 0.90


@pytest.fixture(scope="module")
def scores(model_path):
    return evaluate(model_path, TEST_SPLIT_DIR)


def test_each_language_is_above_the_floor(scores):
    for score in scores:
        assert score.examples >= 250
        assert score.intent_accuracy >= FLOOR, (score.language, score.intent_accuracy)
        assert score.faq_accuracy >= FLOOR - 0.05, (score.language, score.faq_accuracy)


def test_report_lists_both_languages_and_the_misclassified(scores, model_path):
    report = render_report(model_path, scores)
    assert "| Korean (ko) |" in report and "| English (en) |" in report
    assert report.count("misclassified") == 2
