"""What a check found: an error or a warning, where, and which message says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Term:
    """A word shown in the reader's language: a key of the message table."""

    key: str


Param = str | int | Term


@dataclass(frozen=True)
class Location:
    """A place in a file: the path relative to the project and a 1-based line."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Finding:
    """One problem; `key` and `params` are rendered by `messages.render`."""

    severity: Severity
    key: str
    at: Location | None = None
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(message_key: str, at: Location | None = None, /, **params: Param) -> Finding:
    return Finding("error", message_key, at, params)


def warning(message_key: str, at: Location | None = None, /, **params: Param) -> Finding:
    return Finding("warning", message_key, at, params)


def sort_key(finding: Finding) -> tuple[int, str, int, int]:
    """Files in name order, then by line; findings without a place (Rasa's) last."""
    if finding.at is None:
        return (1, "", 0, 0)
    return (0, finding.at.file, finding.at.line or 0, finding.at.column or 0)
