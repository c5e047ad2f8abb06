"""Loads FAQ entries from YAML files and keeps them fresh while a process runs.

One entry holds the training questions and the answer in both languages and
the help article the facts come from. The same files feed training (through
`bot.faq.importer`) and the answers the action server sends (through
`FaqStore`), so an edited answer goes live without retraining.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.language import SUPPORTED_LANGUAGES, Language

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# Relative to the project folder; config.yml's importer names the same folder.
DEFAULT_FAQ_PATH = "data/faq"
# The tasks an answer can offer to start with a button (an entry's `action`): "how do I
# cancel?" gets the rule and "Cancel an order". Each is an intent the bot's menu offers.
FAQ_ACTIONS = ("order_status", "cancel_order", "refund_dispute", "request_agent")


class FaqError(ValueError):
    """A FAQ file that cannot be used; the message names the file and entry."""


@dataclass(frozen=True)
class FaqSource:
    file: str
    title: str


@dataclass(frozen=True)
class FaqEntry:
    key: str
    source: FaqSource
    questions: Mapping[Language, tuple[str, ...]]
    answer: Mapping[Language, str]
    # The task the answer offers to start (one of FAQ_ACTIONS), if any.
    action: str | None = None

    @property
    def intent(self) -> str:
        """The retrieval intent the classifier predicts for this entry."""
        return f"faq/{self.key}"


def faq_files(path: Path) -> list[Path]:
    """The FAQ files under a folder (or the file itself), in a stable order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*.yml") if p.is_file())


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FaqError(f"{where}: expected non-empty text")
    return value.strip()


def _per_language(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FaqError(f"{where}: expected a mapping with 'ko' and 'en'")
    missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in value]
    if missing:
        raise FaqError(f"{where}: missing language(s) {', '.join(missing)}")
    return value


def _entry(raw: Any, where: str) -> FaqEntry:
    if not isinstance(raw, dict):
        raise FaqError(f"{where}: expected a mapping")
    key = _text(raw.get("key"), f"{where}.key")
    if not _KEY.match(key):
        raise FaqError(f"{where}.key: '{key}' must be lower-case ascii snake_case")
    where = f"{where} ({key})"
    source = raw.get("source")
    if not isinstance(source, dict):
        raise FaqError(f"{where}.source: expected 'file' and 'title'")
    questions_raw = _per_language(raw.get("questions"), f"{where}.questions")
    answer_raw = _per_language(raw.get("answer"), f"{where}.answer")
    questions: dict[Language, tuple[str, ...]] = {}
    answer: dict[Language, str] = {}
    for lang in SUPPORTED_LANGUAGES:
        listed = questions_raw[lang]
        if not isinstance(listed, list) or not listed:
            raise FaqError(f"{where}.questions.{lang}: expected a list of questions")
        questions[lang] = tuple(
            _text(q, f"{where}.questions.{lang}[{i}]") for i, q in enumerate(listed)
        )
        answer[lang] = _text(answer_raw[lang], f"{where}.answer.{lang}")
    action = raw.get("action")
    if action is not None and action not in FAQ_ACTIONS:
        raise FaqError(f"{where}.action: expected one of {', '.join(FAQ_ACTIONS)}")
    return FaqEntry(
        key=key,
        source=FaqSource(
            file=_text(source.get("file"), f"{where}.source.file"),
            title=_text(source.get("title"), f"{where}.source.title"),
        ),
        questions=questions,
        answer=answer,
        action=action,
    )


def _entries_of_file(path: Path) -> Iterable[FaqEntry]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise FaqError(f"{path}: not readable YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("faq"), list):
        raise FaqError(f"{path}: expected a top-level 'faq:' list")
    for index, raw in enumerate(document["faq"]):
        yield _entry(raw, f"{path}: faq[{index}]")


def load_faq(path: Path) -> dict[str, FaqEntry]:
    """All entries under `path` by key; raises FaqError on the first problem."""
    entries: dict[str, FaqEntry] = {}
    for file in faq_files(path):
        for entry in _entries_of_file(file):
            if entry.key in entries:
                raise FaqError(f"{file}: FAQ key '{entry.key}' is defined twice")
            entries[entry.key] = entry
    return entries


class FaqStore:
    """FAQ entries that reload when a file under the folder changes.

    A broken edit keeps the last good entries live (and reports the error),
    so a typo in one answer never silences the whole FAQ.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int], ...] = ()
        self._entries: dict[str, FaqEntry] = {}
        self.last_error: str | None = None

    def _current_stamp(self) -> tuple[tuple[str, int], ...]:
        return tuple((str(p), os.stat(p).st_mtime_ns) for p in faq_files(self.path))

    def entries(self) -> dict[str, FaqEntry]:
        stamp = self._current_stamp()
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._entries = load_faq(self.path)
                    self.last_error = None
                except FaqError as error:
                    self.last_error = str(error)
                self._stamp = stamp
            return self._entries

    def get(self, key: str) -> FaqEntry | None:
        return self.entries().get(key)
