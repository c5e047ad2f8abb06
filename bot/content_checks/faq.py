"""FAQ files (data/faq/*.yml): every problem of every entry, with its line.

`bot.faq.store.load_faq` stops at the first problem; here each entry is checked
field by field so an editor sees all of them at once. The store's loader still
has the last word: a file it rejects is never reported clean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content_checks.findings import Finding, Location, Term, error, warning
from bot.content_checks.nlu import Example
from bot.content_checks.yaml_files import YamlFile, line_of
from bot.faq.store import FAQ_ACTIONS, FaqError, load_faq
from bot.language import SUPPORTED_LANGUAGES, Language

# The same rule as bot.faq.store: the key is part of the intent name faq/<key>.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ENTRY_KEYS = {"key", "source", "questions", "answer", "action"}
FILE_KEYS = {"version", "faq"}


@dataclass
class FaqItem:
    """One entry as far as it could be read."""

    key: str
    at: Location
    questions: dict[Language, list[tuple[str, Location]]] = field(default_factory=dict)
    questions_at: dict[Language, Location] = field(default_factory=dict)
    source_file: str | None = None
    source_title: str | None = None
    source_at: Location | None = None


@dataclass
class FaqFile:
    rel: str
    items: list[FaqItem] = field(default_factory=list)

    def examples(self) -> list[Example]:
        return [
            Example(text, f"faq/{item.key}", at, language)
            for item in self.items
            for language, questions in item.questions.items()
            for text, at in questions
        ]


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _lang(language: str) -> Term:
    return Term(f"lang.{language}")


class _EntryReader:
    def __init__(self, yf: YamlFile, raw: Mapping[Any, Any], line: int | None, key: str) -> None:
        self.yf = yf
        self.raw = raw
        self.line = line
        self.key = key
        self.findings: list[Finding] = []

    def at(self, container: Any, key: Any) -> Location:
        return self.yf.at(line_of(container, key, self.line))

    def problem(self, message: str, at: Location, **params: Any) -> None:
        self.findings.append(error(message, at, key=self.key, **params))

    def per_language(self, name: str) -> Mapping[Any, Any] | None:
        value = self.raw.get(name)
        at = self.at(self.raw, name)
        if not isinstance(value, dict):
            self.problem("faq.not_per_language", at, field=name)
            return None
        for language in SUPPORTED_LANGUAGES:
            if language not in value:
                self.problem("faq.missing_language", at, field=name, language=_lang(language))
        for language in value:
            if language not in SUPPORTED_LANGUAGES:
                self.findings.append(
                    warning(
                        "faq.unknown_language",
                        self.at(value, language),
                        key=self.key,
                        field=name,
                        language=str(language),
                    )
                )
        return value

    def source(self, item: FaqItem) -> None:
        source = self.raw.get("source")
        item.source_at = self.at(self.raw, "source")
        if not isinstance(source, dict):
            self.problem("faq.no_source", item.source_at)
            return
        for part in ("file", "title"):
            if not _is_text(source.get(part)):
                self.problem("faq.missing_text", self.at(source, part), field=f"source.{part}")
        if _is_text(source.get("file")):
            item.source_file = str(source["file"]).strip()
            item.source_at = self.at(source, "file")
        if _is_text(source.get("title")):
            item.source_title = str(source["title"]).strip()

    def questions(self, item: FaqItem) -> None:
        questions = self.per_language("questions")
        if questions is None:
            return
        for language in SUPPORTED_LANGUAGES:
            if language not in questions:
                continue
            listed = questions[language]
            at = self.at(questions, language)
            if not isinstance(listed, list) or not listed:
                self.problem("faq.questions_not_list", at, language=_lang(language))
                continue
            found: list[tuple[str, Location]] = []
            for index, text in enumerate(listed):
                where = self.at(listed, index)
                if _is_text(text):
                    found.append((str(text).strip(), where))
                else:
                    self.problem("faq.missing_text", where, field=f"questions.{language}[{index}]")
            item.questions[language] = found
            item.questions_at[language] = at

    def answer(self) -> None:
        answer = self.per_language("answer")
        if answer is None:
            return
        for language in SUPPORTED_LANGUAGES:
            if language in answer and not _is_text(answer[language]):
                self.problem(
                    "faq.empty_answer", self.at(answer, language), language=_lang(language)
                )

    def action(self) -> None:
        if "action" in self.raw and self.raw["action"] not in FAQ_ACTIONS:
            self.problem(
                "faq.bad_action",
                self.at(self.raw, "action"),
                action=str(self.raw["action"]),
                allowed=", ".join(FAQ_ACTIONS),
            )


def _read_entry(
    yf: YamlFile, raw: Any, line: int | None, seen: dict[str, Location]
) -> tuple[FaqItem | None, list[Finding]]:
    at = yf.at(line)
    if not isinstance(raw, dict):
        return None, [error("faq.entry_not_mapping", at)]
    findings: list[Finding] = []
    key = raw.get("key")
    key_at = yf.at(line_of(raw, "key", line))
    if not _is_text(key):
        findings.append(error("faq.no_key", key_at))
        key = None
    else:
        key = str(key).strip()
        if not KEY_PATTERN.match(key):
            findings.append(error("faq.bad_key", key_at, key=key))
        elif key in seen:
            findings.append(error("faq.duplicate_key", key_at, key=key, where=str(seen[key])))
        else:
            seen[key] = key_at
    reader = _EntryReader(yf, raw, line, key or "?")
    item = FaqItem(key or "?", at)
    reader.source(item)
    reader.questions(item)
    reader.answer()
    reader.action()
    for name in raw:
        if name not in ENTRY_KEYS:
            reader.findings.append(
                warning("faq.unknown_key", reader.at(raw, name), key=item.key, name=str(name))
            )
    findings += reader.findings
    return (item if key else None), findings


def read_faq(yf: YamlFile, seen: dict[str, Location]) -> tuple[FaqFile, list[Finding]]:
    """The entries of one FAQ file and every problem in them.

    `seen` maps the keys of the files read before to where they are, so a key
    used twice is found across files too.
    """
    faq_file = FaqFile(yf.rel)
    document = yf.data
    if document is None:
        return faq_file, []
    if not isinstance(document, dict) or not isinstance(document.get("faq"), list):
        line = line_of(document, "faq", 1) if isinstance(document, dict) else 1
        return faq_file, [error("faq.no_list", yf.at(line))]
    findings: list[Finding] = [
        warning("file.unknown_top_key", yf.at(line_of(document, name)), key=str(name))
        for name in document
        if name not in FILE_KEYS
    ]
    entries = document["faq"]
    for index, raw in enumerate(entries):
        item, problems = _read_entry(yf, raw, line_of(entries, index), seen)
        findings += problems
        if item is not None:
            faq_file.items.append(item)
    if not any(f.is_error for f in findings):
        # The store's own loader must agree that the file is usable.
        try:
            load_faq(yf.path)
        except FaqError as exc:
            findings.append(error("faq.loader", yf.at(None), detail=str(exc)))
    return faq_file, findings


@dataclass(frozen=True)
class FaqRules:
    min_questions: int = 8
    # Where the help articles are; None when there is no such folder to check against.
    seeds_dir: Path | None = None


def _check_source(item: FaqItem, rules: FaqRules) -> list[Finding]:
    if item.source_file is None or item.source_at is None:
        return []
    at = item.source_at
    if Path(item.source_file).name != item.source_file:
        return [error("faq.source_not_a_name", at, key=item.key, file=item.source_file)]
    if rules.seeds_dir is None:
        return []
    article = rules.seeds_dir / item.source_file
    if not article.is_file():
        return [
            error(
                "faq.source_missing",
                at,
                key=item.key,
                file=item.source_file,
                folder=str(rules.seeds_dir),
            )
        ]
    try:
        lines = article.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [
            error("faq.source_unreadable", at, key=item.key, file=item.source_file, detail=str(exc))
        ]
    title = lines[0].strip() if lines else ""
    if item.source_title is not None and title != item.source_title:
        return [error("faq.source_title", at, key=item.key, file=item.source_file, title=title)]
    return []


def check_faq_rules(faq_files: list[FaqFile], rules: FaqRules) -> list[Finding]:
    """Enough questions per language, and a source article that exists."""
    findings: list[Finding] = []
    for faq_file in faq_files:
        for item in faq_file.items:
            for language, questions in item.questions.items():
                if len(questions) < rules.min_questions:
                    findings.append(
                        error(
                            "faq.too_few_questions",
                            item.questions_at.get(language, item.at),
                            key=item.key,
                            language=_lang(language),
                            count=len(questions),
                            minimum=rules.min_questions,
                        )
                    )
            findings += _check_source(item, rules)
    return findings
