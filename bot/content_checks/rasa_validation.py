"""Rasa's own validator (what `rasa data validate` runs), minus what Rasa gets wrong here.

Rasa warns about responses that no story or rule names, but ours are also sent by
custom actions (`dispatcher.utter_message(response=...)`) and by the order form
(`utter_ask_<slot>`); with `utter_faq` (added for the retrieval intent) and
`utter_default` (Rasa's own core fallback) those are allowed. So are two notices
Rasa always prints: the slot auto-fill notice, and that the retrieval intent `faq`
is in domain.yml as well as in the data (the docs ask for both).

The project is loaded with config.yml's importers, so the FAQ entries of
data/faq/ are part of what Rasa checks. Rasa is imported only when this runs:
it brings TensorFlow along and takes seconds.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.content_checks.findings import Finding, error, warning

UNUSED = re.compile(r"The utterance '([^']+)' is not used in any story or rule")
ALWAYS_PRINTED = (
    "Slot auto-fill has been removed in 3.0",
    "The following duplicated intents have been found across multiple domain files: faq",
)
ALWAYS_ALLOWED_RESPONSES = frozenset({"utter_faq", "utter_default"})
# Found with file:line by bot.content_checks.rules, so not said twice.
COVERED_BY_OUR_RULES = (
    re.compile(r"The example '.*' was found labeled with multiple different intents", re.S),
    re.compile(r"The intent '[^']+' is used in your stories, but it is not listed"),
    re.compile(r"There is a message in the training data labeled with intent '[^']+'\."),
    re.compile(r"Issue found while processing .* contains an example that doesn't start", re.S),
)
# Rasa's domain checks: `rasa data validate` fails when one of them returns False.
DOMAIN_CHECKS = (
    "verify_domain_validity",
    "verify_actions_in_stories_rules",
    "verify_forms_in_stories_rules",
    "verify_form_slots",
    "verify_slot_mappings",
)

T = TypeVar("T")


def responses_sent_outside_stories(root: Path) -> set[str]:
    """Responses that custom actions or forms send, so no story needs to name them."""
    used: set[str] = set(ALWAYS_ALLOWED_RESPONSES)
    for path in (root / "actions").glob("*.py"):
        used |= set(re.findall(r'"(utter_[a-z0-9_]+)"', path.read_text("utf-8")))
    try:
        domain = yaml.safe_load((root / "domain.yml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return used
    forms = domain.get("forms") if isinstance(domain, dict) else None
    for form in (forms or {}).values():
        if isinstance(form, dict):
            used |= {f"utter_ask_{slot}" for slot in form.get("required_slots") or []}
    return used


def is_explained(message: str, allowed: set[str]) -> bool:
    """A warning Rasa gets wrong for this project (see the module's docstring)."""
    match = UNUSED.search(message)
    if match and match.group(1) in allowed:
        return True
    return message.startswith(ALWAYS_PRINTED)


@dataclass
class RasaReport:
    """What Rasa's validator said about a project."""

    load_error: str | None = None
    failed_checks: list[str] = field(default_factory=list)
    # Warnings raised by a domain check that failed: those fail `rasa data validate`.
    errors: list[str] = field(default_factory=list)
    # Failed checks that said nothing.
    silent_failures: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    # Every user warning (loading and checks), once each, in order.
    warnings: list[str] = field(default_factory=list)
    # Those of `warnings` that `is_explained` does not excuse.
    unexplained: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.load_error is None and not self.failed_checks and not self.conflicts


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _quiet_in(directory: Path) -> Iterator[None]:
    """Run in the project folder (config.yml's paths are relative) without console noise."""
    previous = Path.cwd()
    sink = io.StringIO()
    os.chdir(directory)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        os.chdir(previous)


def _recorded(call: Callable[[], T]) -> tuple[T, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _one_line(text: str) -> str:
    """Rasa's multi-line messages on one line: "a:\n  b\n  c" becomes "a: b; c"."""
    joined = ""
    for part in (p.strip() for p in text.strip().splitlines()):
        if part:
            joined += part if not joined else (" " if joined.endswith(":") else "; ") + part
    return joined


def _validate(root: Path, report: RasaReport) -> list[str]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    def load() -> Any:
        importer = TrainingDataImporter.load_from_config(
            config_path=str(root / "config.yml"),
            domain_path=str(root / "domain.yml"),
            training_data_paths=[str(root / "data")],
        )
        return Validator.from_importer(importer)

    validator, said = _recorded(load)
    for check in DOMAIN_CHECKS:
        passed, messages = _recorded(getattr(validator, check))
        said += messages
        if not passed:
            report.failed_checks.append(check)
            report.errors += messages
            if not messages:
                report.silent_failures.append(check)
    passed, messages = _recorded(lambda: validator.verify_nlu(ignore_warnings=True))
    said += messages
    if not passed:
        report.failed_checks.append("verify_nlu")
        report.silent_failures.append("verify_nlu")
    collect = _Collect()
    story_logger = logging.getLogger("rasa.validator")
    story_logger.addHandler(collect)
    try:
        passed, messages = _recorded(
            lambda: validator.verify_story_structure(ignore_warnings=False)
        )
    finally:
        story_logger.removeHandler(collect)
    said += messages
    report.conflicts = [_one_line(m) for m in collect.messages]
    if not passed and not report.conflicts:
        report.failed_checks.append("verify_story_structure")
        report.silent_failures.append("verify_story_structure")
    _, messages = _recorded(validator.warn_if_config_mandatory_keys_are_not_set)
    return said + messages


def run_rasa_validator(root: Path) -> RasaReport:
    """Load the project as training does and run every check of `rasa data validate`."""
    report = RasaReport()
    root = root.resolve()
    with _quiet_in(root):
        try:
            said = _validate(root, report)
        except (Exception, SystemExit) as exc:  # Rasa exits or raises on unloadable data
            report.load_error = _one_line(str(exc)) or type(exc).__name__
            return report
    report.warnings = list(dict.fromkeys(_one_line(m) for m in said))
    allowed = responses_sent_outside_stories(root)
    report.unexplained = [m for m in report.warnings if not is_explained(m, allowed)]
    return report


def rasa_findings(report: RasaReport) -> list[Finding]:
    """The report as findings: failures are errors, unexplained warnings warnings."""
    if report.load_error is not None:
        return [error("rasa.load_failed", detail=report.load_error)]
    findings = [error("rasa.error", detail=_one_line(m)) for m in dict.fromkeys(report.errors)]
    findings += [error("rasa.conflict", detail=c) for c in report.conflicts]
    findings += [error("rasa.check_failed", check=check) for check in report.silent_failures]
    errors = {_one_line(m) for m in report.errors}
    findings += [
        warning("rasa.warning", detail=message)
        for message in report.unexplained
        if message not in errors and not any(p.search(message) for p in COVERED_BY_OUR_RULES)
    ]
    return findings
