"""Tickets: what a shopper leaves outside staffed hours, a message or a call-back request.

A ticket is stored in Redis first, so it is not lost when mail is down, then sent to
customer service as a bilingual e-mail: over SMTP when SMTP_HOST is set, otherwise as
an .eml file in the outbox folder.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import smtplib
import ssl
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal, Protocol

import redis.asyncio

from handoff.audit import masked_id
from handoff.config import TicketConfig

logger = logging.getLogger(__name__)

TicketKind = Literal["message", "callback"]
TICKET_KEY = "eva:ticket:{id}"
TICKETS_KEY = "eva:tickets"
# Tickets whose e-mail could not be sent; they are in Redis, waiting to be re-sent.
UNSENT_KEY = "eva:tickets:unsent"
MAX_MESSAGE_CHARS = 4000
MAX_CONTACT_CHARS = 200
MAX_ID_ATTEMPTS = 5
TICKET_HEADER = "X-Eva-Ticket"

# Everything that could end a header line or confuse a mail reader: C0/C1 controls
# and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9_-]")
_SAFE_DOMAIN = re.compile(r"[^A-Za-z0-9.-]")

# Stores the ticket and lists it in one step, and never over an existing ticket. It
# expires after the retention period (ARGV[3] seconds, handoff/retention.py).
_STORE_SCRIPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[3]) then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


def _kind(value: Any) -> TicketKind:
    if value == "message":
        return "message"
    if value == "callback":
        return "callback"
    raise ValueError(f"unknown ticket kind {value!r}; use 'message' or 'callback'")


@dataclass(frozen=True)
class Ticket:
    id: str
    kind: TicketKind
    conversation_id: str
    language: str
    team: str
    contact: str
    message: str
    created_at: datetime

    def to_dict(self) -> dict[str, str]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ticket:
        created_at = datetime.fromisoformat(str(data["created_at"]))
        if created_at.tzinfo is None:
            raise ValueError(f"ticket created_at has no time zone: {data['created_at']!r}")
        return cls(
            id=str(data["id"]),
            kind=_kind(data["kind"]),
            conversation_id=str(data["conversation_id"]),
            language=str(data["language"]),
            team=str(data["team"]),
            contact=str(data["contact"]),
            message=str(data["message"]),
            created_at=created_at,
        )


# --- the e-mail -----------------------------------------------------------------------


def one_line(value: str) -> str:
    """`value` with line breaks and control characters turned into single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def email_address(contact: str) -> str | None:
    """The contact when it is a plain e-mail address (so it can be a Reply-To)."""
    candidate = contact.strip()
    return candidate if _EMAIL.match(candidate) else None


def _subject(ticket: Ticket) -> str:
    what = "메시지 / Message from a shopper"
    if ticket.kind == "callback":
        what = "전화 요청 / Call-back request"
    return f"[{ticket.id}] {what}"


def _created(ticket: Ticket) -> str:
    return ticket.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


_LABELS = {
    "ko": ("티켓", "대화 ID", "상담팀", "언어", "연락처", "접수 시각", "약속", "메시지", "(없음)"),
    "en": (
        "Ticket",
        "Conversation ID",
        "Team",
        "Language",
        "Contact",
        "Created",
        "Promise",
        "Message",
        "(none)",
    ),
}


def _promise(ticket: Ticket, config: TicketConfig, language: str) -> tuple[str, str]:
    hours, minutes = config.reply_within_hours, config.callback_within_minutes
    if language == "ko":
        if ticket.kind == "callback":
            return (
                "고객이 상담 시간 외에 전화 요청을 남겼습니다.",
                f"고객에게 상담 시작 후 {minutes}분 안에 전화드린다고 안내했습니다.",
            )
        return (
            "고객이 상담 시간 외에 메시지를 남겼습니다.",
            f"고객에게 {hours}시간 안에 답장드린다고 안내했습니다.",
        )
    if ticket.kind == "callback":
        return (
            "A shopper asked for a call-back outside staffed hours.",
            f"The shopper was told we will call back within {minutes} minutes of opening.",
        )
    return (
        "A shopper left a message outside staffed hours.",
        f"The shopper was told we will reply within {hours} hours.",
    )


def _body(ticket: Ticket, config: TicketConfig, language: str) -> str:
    intro, promise = _promise(ticket, config, language)
    *labels, message_label, nothing = _LABELS[language]
    values = (
        ticket.id,
        ticket.conversation_id,
        ticket.team,
        ticket.language,
        ticket.contact,
        _created(ticket),
        promise,
    )
    # One line per field, so no value can pass itself off as another field.
    pairs = zip(labels, values, strict=True)
    fields = "".join(f"{label}: {one_line(value)}\n" for label, value in pairs)
    return f"{intro}\n\n{fields}\n{message_label}:\n{ticket.message or nothing}\n"


def _message_id(ticket: Ticket, sender: str) -> str:
    # make_msgid's default domain is a DNS lookup of this host; the sender's is enough.
    domain = parseaddr(one_line(sender))[1].rpartition("@")[2]
    idstring = _SAFE_FILE_NAME.sub("", ticket.id) or None
    return make_msgid(idstring=idstring, domain=_SAFE_DOMAIN.sub("", domain) or "eva.localhost")


def ticket_email(ticket: Ticket, config: TicketConfig) -> EmailMessage:
    """The bilingual e-mail to customer service; every header value is one line."""
    message = EmailMessage()
    message["From"] = one_line(config.sender)
    message["To"] = one_line(config.recipient)
    reply_to = email_address(ticket.contact)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = one_line(_subject(ticket))
    message["Date"] = format_datetime(ticket.created_at.astimezone(timezone.utc))
    message["Message-ID"] = _message_id(ticket, config.sender)
    message[TICKET_HEADER] = one_line(ticket.id)
    # Headers travel further than the body (relays' and filters' logs): the conversation
    # only as its digest, which still groups a conversation's tickets. The body keeps the
    # id, which agents look the conversation up by; it does not open the conversation
    # (widget ids need their signature, REST ones the integration's token).
    message["X-Eva-Conversation"] = masked_id(ticket.conversation_id)
    separator = "\n" + "-" * 60 + "\n\n"
    body = _body(ticket, config, "ko") + separator + _body(ticket, config, "en")
    message.set_content(body)
    return message


# --- outboxes -------------------------------------------------------------------------


class Outbox(Protocol):
    async def send(self, message: EmailMessage) -> str:
        """Deliver the message; return where it went (a file path or a Message-ID)."""
        ...


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # In the same folder, so os.replace is a rename and a reader never sees half a file.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    # Makes the rename itself survive a crash; not every file system allows it.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class EmlOutbox:
    """Writes each e-mail as `<ticket id>.eml` into a folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, message: EmailMessage) -> Path:
        ticket_id = _SAFE_FILE_NAME.sub("", str(message.get(TICKET_HEADER, "")))
        return self.directory / f"{ticket_id or uuid.uuid4().hex}.eml"

    async def send(self, message: EmailMessage) -> str:
        path = self.path_for(message)
        await asyncio.to_thread(_write_atomically, path, message.as_bytes())
        return str(path)


class SmtpOutbox:
    """Sends over SMTP: STARTTLS on the submission port, implicit TLS on port 465."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.port == 465:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=context)
        return smtp

    def _send(self, message: EmailMessage) -> None:
        with self._connect() as smtp:
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)

    async def send(self, message: EmailMessage) -> str:
        await asyncio.to_thread(self._send, message)
        return str(message.get("Message-ID", ""))


def _flag(value: str) -> bool:
    return value.strip().lower() not in {"0", "false", "no", "off"}


def outbox_from_environment(config: TicketConfig) -> EmlOutbox | SmtpOutbox:
    host = os.environ.get("SMTP_HOST", "").strip()
    if not host:
        return EmlOutbox(config.outbox)
    return SmtpOutbox(
        host=host,
        port=int(os.environ.get("SMTP_PORT") or "587"),
        user=os.environ.get("SMTP_USER", ""),
        password=os.environ.get("SMTP_PASSWORD", ""),
        starttls=_flag(os.environ.get("SMTP_STARTTLS") or "true"),
    )


# --- storing --------------------------------------------------------------------------


def new_ticket_id(created_at: datetime) -> str:
    day = created_at.astimezone(timezone.utc).strftime("%Y%m%d")
    return f"T-{day}-{secrets.token_hex(3).upper()}"


async def _store(redis: redis.asyncio.Redis, ticket: Ticket, keep_seconds: int) -> Ticket:
    for _ in range(MAX_ID_ATTEMPTS):
        payload = json.dumps(ticket.to_dict(), ensure_ascii=False)
        key = TICKET_KEY.format(id=ticket.id)
        stored = await redis.eval(
            _STORE_SCRIPT, 2, key, TICKETS_KEY, payload, ticket.id, keep_seconds
        )
        if int(stored):
            return ticket
        ticket = replace(ticket, id=new_ticket_id(ticket.created_at))
    raise RuntimeError(f"no free ticket id after {MAX_ID_ATTEMPTS} attempts")


async def _send(
    redis: redis.asyncio.Redis, ticket: Ticket, config: TicketConfig, outbox: Outbox
) -> None:
    try:
        where = await outbox.send(ticket_email(ticket, config))
    except Exception:
        # The ticket is safe in Redis; the shopper still gets an answer, and the
        # unsent list says which e-mails to send again.
        logger.exception("could not send the e-mail for ticket %s", ticket.id)
        await redis.lpush(UNSENT_KEY, ticket.id)
        return
    logger.info("ticket %s sent to %s", ticket.id, where)


async def create_ticket(
    redis: redis.asyncio.Redis,
    config: TicketConfig,
    outbox: Outbox,
    *,
    kind: TicketKind,
    conversation_id: str,
    language: str,
    team: str,
    contact: str,
    message: str,
    keep_seconds: int,
    now: datetime | None = None,
) -> Ticket:
    """Store a ticket (`eva:ticket:<id>`, listed newest first in `eva:tickets`; deleted
    after `keep_seconds`) and e-mail it. A failed e-mail is logged and listed in
    `eva:tickets:unsent`."""
    created_at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    ticket = Ticket(
        id=new_ticket_id(created_at),
        kind=_kind(kind),
        conversation_id=one_line(conversation_id),
        language=one_line(language),
        team=one_line(team),
        contact=one_line(contact)[:MAX_CONTACT_CHARS],
        message=message.replace("\r\n", "\n").strip()[:MAX_MESSAGE_CHARS],
        created_at=created_at,
    )
    ticket = await _store(redis, ticket, keep_seconds)
    await _send(redis, ticket, config, outbox)
    return ticket


async def get_ticket(redis: redis.asyncio.Redis, ticket_id: str) -> Ticket | None:
    raw = await redis.get(TICKET_KEY.format(id=ticket_id))
    if raw is None:
        return None
    try:
        return Ticket.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        logger.warning("ticket %s in Redis is unreadable", ticket_id)
        return None
