"""Reads the project's YAML files with line numbers, and says why one cannot be read.

PyYAML keeps the last of two equal keys in a mapping without a word; the loader
here reports them. Mappings and lists remember the line of every key and item, so
later checks can name `file:line`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.content_checks.findings import Finding, Location, error

# Not training data: the demo store's orders.
SKIPPED_DATA_DIRS = ("demo",)
PROJECT_FILES = ("domain.yml", "config.yml")

_MERGE_TAG = "tag:yaml.org,2002:merge"


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _first_content_line(node: Node) -> int | None:
    """For a literal block (`|`), the line of its first text line: text line i is there + i."""
    if isinstance(node, ScalarNode) and node.style == "|":
        return _line(node) + 1
    return None


class YamlMap(dict[Any, Any]):
    """A YAML mapping that knows its own line and the line of each key."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.block_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def block_line_of(self, key: Any) -> int | None:
        """The first text line of a literal block value, or None for other values."""
        return self.block_lines.get(key)


class YamlSeq(list[Any]):
    """A YAML list that knows its own line and the line of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def line_of(container: Any, key: Any, default: int | None = None) -> int | None:
    """The line of `container[key]` when the container came from `load_yaml`."""
    if isinstance(container, YamlMap):
        return container.line_of(key)
    if isinstance(container, YamlSeq) and isinstance(key, int):
        return container.line_of(key)
    return default


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    line: int
    first_line: int


class _LineLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []


def _construct_map(loader: _LineLoader, node: MappingNode) -> Iterator[YamlMap]:
    data = YamlMap(_line(node))
    yield data
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from exc
        if key in seen:
            loader.duplicates.append(DuplicateKey(str(key), _line(key_node), seen[key]))
        else:
            seen[key] = _line(key_node)
    # Keys merged in with `<<: *anchor` come first, so the mapping's own keys win.
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = _line(key_node)
        block = _first_content_line(value_node)
        if block is not None:
            data.block_lines[key] = block
        else:
            data.block_lines.pop(key, None)


def _construct_seq(loader: _LineLoader, node: SequenceNode) -> Iterator[YamlSeq]:
    data = YamlSeq(_line(node))
    yield data
    for child in node.value:
        data.append(loader.construct_object(child, deep=True))
        data.item_lines.append(_line(child))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


@dataclass
class YamlFile:
    """One YAML file: its document, or `readable=False` when it could not be parsed."""

    path: Path
    rel: str
    data: Any = None
    readable: bool = False

    def at(self, line: int | None = None) -> Location:
        return Location(self.rel, line)


def relative_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    before = text[:index]
    line = before.count("\n") + 1
    return line, index - (before.rfind("\n") + 1) + 1


def _syntax_error(rel: str, text: str, exc: yaml.YAMLError) -> Finding:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        detail = "; ".join(
            part for part in (exc.context, exc.problem) if isinstance(part, str) and part
        )
        if mark is None:
            return error("yaml.syntax", Location(rel), detail=detail or str(exc))
        return error("yaml.syntax", Location(rel, mark.line + 1, mark.column + 1), detail=detail)
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _position(text, exc.position)
        detail = f"#x{exc.character:04x}: {exc.reason}"
        return error("yaml.bad_character", Location(rel, line, column), detail=detail)
    return error("yaml.syntax", Location(rel), detail=str(exc))


def parse_yaml(text: str, rel: str) -> tuple[Any, list[DuplicateKey], Finding | None]:
    """The document of `text`, the duplicated keys and a syntax error (or None)."""
    try:
        loader = _LineLoader(text)  # checks for unprintable characters already
    except yaml.YAMLError as exc:
        return None, [], _syntax_error(rel, text, exc)
    try:
        return loader.get_single_data(), loader.duplicates, None
    except yaml.YAMLError as exc:
        return None, loader.duplicates, _syntax_error(rel, text, exc)
    finally:
        loader.dispose()


def load_yaml(path: Path, root: Path) -> tuple[YamlFile, list[Finding]]:
    """Read one file; every problem comes back as a finding, never as an exception."""
    rel = relative_name(path, root)
    loaded = YamlFile(path=path, rel=rel)
    if not path.exists():
        return loaded, [error("file.missing", Location(rel))]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return loaded, [error("file.unreadable", Location(rel), detail=exc.strerror or str(exc))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return loaded, [
            error(
                "file.not_utf8",
                Location(rel, line),
                offset=exc.start,
                byte=f"0x{raw[exc.start]:02x}",
            )
        ]
    data, duplicates, syntax = parse_yaml(text, rel)
    findings = [
        error("yaml.duplicate_key", Location(rel, d.line), key=d.key, first_line=d.first_line)
        for d in duplicates
    ]
    if syntax is not None:
        return loaded, [*findings, syntax]
    loaded.readable = True
    loaded.data = data
    if data is None:
        findings.append(error("file.empty", Location(rel)))
    return loaded, findings


def project_yaml_files(root: Path) -> list[Path]:
    """domain.yml, config.yml and every YAML file under data/ except the demo data."""
    files = [root / name for name in PROJECT_FILES]
    data = root / "data"
    if data.is_dir():
        skipped = [data / name for name in SKIPPED_DATA_DIRS]
        files += sorted(
            p
            for p in data.rglob("*")
            if p.suffix in (".yml", ".yaml")
            and p.is_file()
            and not any(p.is_relative_to(s) for s in skipped)
        )
    return files
