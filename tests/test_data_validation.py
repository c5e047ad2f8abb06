"""`rasa data validate` with warnings treated as errors, minus what Rasa gets wrong.

Which warnings are excused (responses sent by custom actions or the order form,
`utter_faq`, `utter_default`, and two notices Rasa always prints) is decided in
bot.content_checks.rasa_validation, which `eva validate` uses too.
"""

from bot.content_checks.rasa_validation import run_rasa_validator
from bot.stack import PROJECT_DIR


def test_training_data_validates_without_unexplained_warnings():
    report = run_rasa_validator(PROJECT_DIR)
    assert report.load_error is None
    assert report.valid, report
    assert report.warnings  # Rasa did speak: the allowed ones were filtered, not lost
    assert not report.unexplained, report.unexplained
