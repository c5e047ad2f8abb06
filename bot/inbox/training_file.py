"""Adding an accepted inbox message to `data/nlu/<lang>/inbox.yml`.

Intents and FAQ entries alike: an FAQ question becomes an example of the retrieval
intent `faq/<key>`, which Rasa reads from any NLU file. The FAQ files themselves are
not touched: they are written by hand, comments and all, and the FAQ loader wants
every entry complete there (key, source, questions and answers in both languages).

The file is read, changed and written whole, atomically, under a lock on its folder,
and only after every check passed: nothing is ever half-written. The text must not
be an example already (of any label, anywhere under data/nlu/ or data/faq/); it is
masked again, since the editor may have changed it.
"""

from __future__ import annotations

import fcntl
import os
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rasa.shared.nlu.training_data.entities_parser import find_entities_in_training_example

from bot.content_checks.faq import read_faq
from bot.content_checks.findings import Finding, Location
from bot.content_checks.messages import render
from bot.content_checks.nlu import normalised, read_nlu
from bot.content_checks.yaml_files import YamlFile, load_yaml, parse_yaml
from bot.inbox.atomic_file import write_text_atomically
from bot.inbox.catalog import Label
from bot.inbox.errors import rejected
from bot.inbox.masking import mask_personal_data
from bot.language import SUPPORTED_LANGUAGES, Language

INBOX_FILE = "inbox.yml"
MAX_EXAMPLE_CHARS = 500
HEADER = (
    "# Examples editors accepted in the review inbox (/editor). They go through review\n"
    "# like any other change; move them to a topic file whenever you like. The editor\n"
    "# page rewrites this file: keep only intent examples here, and no comments.\n"
)


@dataclass(frozen=True)
class Added:
    file: str
    intent: str
    text: str


def inbox_path(data_dir: Path, language: Language) -> Path:
    return data_dir / "nlu" / language / INBOX_FILE


def clean_text(text: object) -> str:
    """The example as it will be written: masked, on one line, no control characters."""
    if not isinstance(text, str):
        raise rejected("empty_text", 400)
    printable = "".join(
        " " if unicodedata.category(char).startswith("C") else char for char in text
    )
    cleaned = mask_personal_data(" ".join(printable.split()))
    # Nothing but punctuation or emoji teaches the classifier nothing.
    if not normalised(cleaned):
        raise rejected("empty_text", 400)
    if len(cleaned) > MAX_EXAMPLE_CHARS:
        raise rejected("text_too_long", 400, max=MAX_EXAMPLE_CHARS)
    try:
        markup = find_entities_in_training_example(cleaned)
    except Exception as error:  # Rasa raises several kinds for half an annotation
        raise rejected("entity_markup", 400) from error
    if markup:
        raise rejected("entity_markup", 400)
    return cleaned


def _both(finding: Finding) -> dict[Language, str]:
    return {language: render(finding, language) for language in SUPPORTED_LANGUAGES}


def _read(path: Path, root: Path) -> YamlFile:
    """A readable file, or Rejected naming the first problem with file:line."""
    loaded, findings = load_yaml(path, root)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise rejected("unreadable_file", 422, detail=_both(errors[0]))
    return loaded


@dataclass(frozen=True)
class _Known:
    label: str
    at: Location


def _existing_examples(data_dir: Path, root: Path) -> dict[str, _Known]:
    """Every example and FAQ question under the data folder, by its normalised text."""
    known: dict[str, _Known] = {}
    nlu_files = sorted((data_dir / "nlu").rglob("*.yml"))
    for path in nlu_files:
        loaded = _read(path, root)
        if not isinstance(loaded.data, dict) or "nlu" not in loaded.data:
            continue
        nlu_file, _ = read_nlu(loaded)
        for example in nlu_file.examples():
            known.setdefault(normalised(example.text), _Known(example.label, example.at))
    seen: dict[str, Location] = {}
    for path in sorted((data_dir / "faq").glob("*.yml")):
        faq_file, _ = read_faq(_read(path, root), seen)
        for example in faq_file.examples():
            known.setdefault(normalised(example.text), _Known(example.label, example.at))
    return known


def _inbox_items(path: Path, root: Path) -> dict[str, list[str]]:
    """The intents and examples inbox.yml holds now, in file order."""
    # A file an editor emptied by hand holds nothing, like a missing one.
    if not path.exists() or not path.read_bytes().strip():
        return {}
    loaded = _read(path, root)
    rel = loaded.rel
    document = loaded.data
    if not isinstance(document, dict) or not isinstance(document.get("nlu"), list):
        raise rejected("inbox_shape", 422, file=rel)
    if set(document) - {"version", "nlu"}:
        raise rejected("inbox_shape", 422, file=rel)
    nlu_file, findings = read_nlu(loaded)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise rejected("unreadable_file", 422, detail=_both(errors[0]))
    if len(nlu_file.items) != len(document["nlu"]):
        raise rejected("inbox_shape", 422, file=rel)
    items: dict[str, list[str]] = {}
    for raw, item in zip(document["nlu"], nlu_file.items, strict=True):
        # Anything else (regexes, synonyms, metadata) would be lost in the rewrite.
        if item.kind != "intent" or set(raw) - {"intent", "examples"}:
            raise rejected("inbox_shape", 422, file=rel)
        items.setdefault(item.name, []).extend(text for text, _ in item.values)
    return items


def render_inbox(items: dict[str, list[str]]) -> str:
    lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    for intent, examples in items.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in examples]
    return "\n".join(lines) + "\n"


def _check_rendered(text: str, rel: str, expected: dict[str, list[str]]) -> None:
    """Read back what is about to be written: it must say exactly what was meant."""
    document, duplicates, syntax = parse_yaml(text, rel)
    if syntax is not None or duplicates:
        raise RuntimeError(f"{rel}: the new content does not parse: {syntax or duplicates}")
    loaded = YamlFile(path=Path(rel), rel=rel, data=document, readable=True)
    nlu_file, findings = read_nlu(loaded)
    got: dict[str, list[str]] = {}
    for item in nlu_file.items:
        got.setdefault(item.name, []).extend(t for t, _ in item.values)
    if any(f.is_error for f in findings) or got != expected:
        raise RuntimeError(f"{rel}: the new content does not read back as written")


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    # On the folder itself: no lock file appears next to the training data.
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def append_example(data_dir: Path, language: Language, label: Label, text: object) -> Added:
    """Add `text` as an example of `label` (already checked against the catalog)."""
    cleaned = clean_text(text)
    root = data_dir.parent
    path = inbox_path(data_dir, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _folder_lock(path.parent):
        known = _existing_examples(data_dir, root).get(normalised(cleaned))
        if known is not None:
            raise rejected("duplicate", 409, text=cleaned, label=known.label, where=str(known.at))
        items = _inbox_items(path, root)
        items.setdefault(label.intent, []).append(cleaned)
        rel = path.relative_to(root).as_posix()
        content = render_inbox(items)
        _check_rendered(content, rel, items)
        write_text_atomically(path, content)
    return Added(file=rel, intent=label.intent, text=cleaned)
