"""`eva forget` on disk (issue #21): tickets' e-mails in the outbox folder and lines of
the log files.

An e-mail goes when it is one of the forgotten tickets', names a forgotten conversation
(X-Eva-Conversation) or mentions a forgotten e-mail address anywhere, its decoded body
included. A log line goes when it mentions a forgotten conversation or ticket id or
e-mail address. Log files are rewritten in place, not replaced: the servers keep
appending to the same file (a line they write while it is rewritten can be lost).
E-mails already sent over SMTP are outside our reach (docs/security.md).
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from handoff.tickets import TICKET_HEADER

CONVERSATION_HEADER = "X-Eva-Conversation"
# Shorter ids are too likely to be an ordinary word of a log line: they must be quoted.
MIN_BARE_ID_CHARS = 8


def _eml_text(raw: bytes) -> tuple[str, str]:
    """(the conversation header, the whole e-mail as text with its body decoded)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    texts = [raw.decode("utf-8", errors="replace")]
    if isinstance(message, EmailMessage) and (body := message.get_body(("plain",))):
        texts.append(str(body.get_content()))  # type: ignore[attr-defined]
    return str(message.get(CONVERSATION_HEADER, "")), "\n".join(texts)


def forget_emails_on_disk(
    outbox_dir: Path,
    tickets: frozenset[str],
    conversations: frozenset[str],
    emails: frozenset[str],
) -> list[Path]:
    """Delete the outbox's e-mails of these tickets, conversations or addresses."""
    deleted: list[Path] = []
    if not outbox_dir.is_dir():
        return deleted
    for path in sorted(outbox_dir.glob("*.eml")):
        conversation, text = _eml_text(path.read_bytes())
        folded = text.casefold()
        if (
            path.stem in tickets
            or conversation in conversations
            or any(address in folded for address in emails)
            or any(f"{TICKET_HEADER}: {ticket}" in text for ticket in tickets)
        ):
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


def _id_pattern(identifier: str) -> str:
    literal = re.escape(identifier)
    if len(identifier) < MIN_BARE_ID_CHARS:
        return f"(?:'{literal}'|\"{literal}\")"
    return rf"(?<![\w.@-]){literal}(?![\w@-])"


def id_matcher(identifiers: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for the lines that mention one of the ids."""
    parts = [_id_pattern(identifier) for identifier in sorted(identifiers) if identifier]
    return re.compile("|".join(parts)) if parts else None


def scrub_logs(
    log_dir: Path, identifiers: frozenset[str], emails: frozenset[str]
) -> dict[Path, int]:
    """Remove the lines mentioning a subject from every *.log file; lines removed per file."""
    removed: dict[Path, int] = {}
    matcher = id_matcher(identifiers)
    if (matcher is None and not emails) or not log_dir.is_dir():
        return removed
    for path in sorted(log_dir.rglob("*.log")):
        with path.open("r+", encoding="utf-8", errors="surrogateescape", newline="") as file:
            lines = file.readlines()
            kept = [line for line in lines if not _mentions(matcher, line, emails)]
            if len(kept) == len(lines):
                continue
            file.seek(0)
            file.writelines(kept)
            file.truncate()
        removed[path] = len(lines) - len(kept)
    return removed


def _mentions(matcher: re.Pattern[str] | None, line: str, emails: frozenset[str]) -> bool:
    folded = line.casefold()
    found = matcher is not None and matcher.search(line) is not None
    return found or any(address in folded for address in emails)
