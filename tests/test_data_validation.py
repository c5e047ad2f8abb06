"""`rasa data validate` with warnings treated as errors, minus its one blind spot.

Rasa warns about responses that no story or rule names, but ours are also sent by
custom actions (`dispatcher.utter_message(response=...)`); those, and the
`utter_faq` action Rasa adds for the retrieval intent, are the only warnings allowed.
"""

import re
import warnings

from rasa.shared.importers.importer import TrainingDataImporter
from rasa.validator import Validator

from bot.stack import PROJECT_DIR

UNUSED = re.compile(r"The utterance '([^']+)' is not used in any story or rule")


def responses_sent_by_actions() -> set[str]:
    used: set[str] = {"utter_faq"}
    for path in (PROJECT_DIR / "actions").glob("*.py"):
        used |= set(re.findall(r'"(utter_[a-z0-9_]+)"', path.read_text("utf-8")))
    return used


def test_training_data_validates_without_unexplained_warnings():
    importer = TrainingDataImporter.load_from_config(
        config_path=str(PROJECT_DIR / "config.yml"),
        domain_path=str(PROJECT_DIR / "domain.yml"),
        training_data_paths=[str(PROJECT_DIR / "data")],
    )
    validator = Validator.from_importer(importer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        valid = (
            validator.verify_domain_validity()
            and validator.verify_nlu(ignore_warnings=True)
            and validator.verify_story_structure(ignore_warnings=False)
        )
    assert valid
    allowed = responses_sent_by_actions()
    unexplained = []
    for warning in caught:
        message = str(warning.message)
        match = UNUSED.search(message)
        if match and match.group(1) in allowed:
            continue
        if issubclass(warning.category, UserWarning):
            unexplained.append(message)
    assert not unexplained
