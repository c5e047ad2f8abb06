"""Tickets in a real Redis and as .eml files, outbox choice, and live config reloading."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.redis_server import RedisSettings
from handoff.audit import masked_id
from handoff.config import HandoffConfigError, LiveConfig, TicketConfig
from handoff.retention import RetentionSettings
from handoff.tickets import (
    TICKETS_KEY,
    UNSENT_KEY,
    EmlOutbox,
    SmtpOutbox,
    Ticket,
    TicketKind,
    create_ticket,
    get_ticket,
    outbox_from_environment,
    ticket_email,
)

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 22, 15, tzinfo=timezone.utc)
KEEP_SECONDS = RetentionSettings().seconds


def ticket_config(outbox: Path) -> TicketConfig:
    return TicketConfig(
        outbox=outbox,
        sender="Eva <eva@shop.example>",
        recipient="Customer service <help@shop.example>",
        reply_within_hours=48,
        callback_within_minutes=20,
    )


def with_redis(settings: RedisSettings, use: Callable[[Any], Awaitable[T]]) -> T:
    async def run() -> T:
        client = settings.async_client()
        try:
            return await use(client)
        finally:
            await client.close()

    return asyncio.run(run())


def parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def leave(
    client: Any,
    outbox: Any,
    config: TicketConfig,
    kind: TicketKind = "message",
    contact: str = "shopper@example.com",
    message: str = "주문한 신발 사이즈를 바꾸고 싶어요. Can I swap the size?",
    conversation_id: str = "conv-123",
) -> Ticket:
    return await create_ticket(
        client,
        config,
        outbox,
        kind=kind,
        conversation_id=conversation_id,
        language="ko",
        team="ko",
        contact=contact,
        message=message,
        keep_seconds=KEEP_SECONDS,
        now=NOW,
    )


# --- tickets --------------------------------------------------------------------------


def test_a_message_ticket_is_stored_and_mailed(redis_settings, tmp_path):
    config = ticket_config(tmp_path)
    outbox = EmlOutbox(tmp_path)

    async def scenario(client: Any) -> tuple[Ticket, Ticket | None, list[str]]:
        ticket = await leave(client, outbox, config)
        return ticket, await get_ticket(client, ticket.id), await client.lrange(TICKETS_KEY, 0, -1)

    ticket, stored, listed = with_redis(redis_settings, scenario)

    assert re.fullmatch(r"T-20261123-[0-9A-F]{6}", ticket.id)
    assert stored == ticket
    assert ticket.id in listed
    assert (ticket.kind, ticket.contact, ticket.created_at) == (
        "message",
        "shopper@example.com",
        NOW,
    )

    assert sorted(path.name for path in tmp_path.iterdir()) == [f"{ticket.id}.eml"]
    mail = parse(tmp_path / f"{ticket.id}.eml")
    assert mail["Subject"] == f"[{ticket.id}] 메시지 / Message from a shopper"
    assert mail["From"] == "Eva <eva@shop.example>"
    assert mail["To"] == "Customer service <help@shop.example>"
    assert mail["Reply-To"] == "shopper@example.com"
    text = body(mail)
    for expected in (
        "고객이 상담 시간 외에 메시지를 남겼습니다.",
        "A shopper left a message outside staffed hours.",
        "대화 ID: conv-123",
        "Conversation ID: conv-123",
        "연락처: shopper@example.com",
        "Contact: shopper@example.com",
        "2026-11-23 22:15 UTC",
        "48시간 안에 답장",
        "reply within 48 hours",
        "주문한 신발 사이즈를 바꾸고 싶어요. Can I swap the size?",
    ):
        assert expected in text


def test_a_callback_ticket_promises_a_call(redis_settings, tmp_path):
    config = ticket_config(tmp_path)

    async def scenario(client: Any) -> Ticket:
        return await leave(client, EmlOutbox(tmp_path), config, "callback", "+82 10-1234-5678")

    ticket = with_redis(redis_settings, scenario)

    mail = parse(tmp_path / f"{ticket.id}.eml")
    assert mail["Subject"] == f"[{ticket.id}] 전화 요청 / Call-back request"
    assert mail["Reply-To"] is None
    text = body(mail)
    assert "상담 시작 후 20분 안에 전화" in text
    assert "call back within 20 minutes of opening" in text
    assert "+82 10-1234-5678" in text


def test_long_input_is_capped(redis_settings, tmp_path):
    async def scenario(client: Any) -> Ticket:
        return await leave(
            client,
            EmlOutbox(tmp_path),
            ticket_config(tmp_path),
            contact="c" * 500,
            message="가" * 9000,
        )

    ticket = with_redis(redis_settings, scenario)

    assert ticket.message == "가" * 4000
    assert ticket.contact == "c" * 200


def test_header_injection_is_stripped(redis_settings, tmp_path):
    async def scenario(client: Any) -> Ticket:
        return await leave(
            client,
            EmlOutbox(tmp_path),
            ticket_config(tmp_path),
            contact="shopper@example.com\r\nBcc: victim@example.com",
            conversation_id="conv\r\nBcc: other@example.com",
        )

    ticket = with_redis(redis_settings, scenario)

    raw = (tmp_path / f"{ticket.id}.eml").read_bytes()
    assert not re.search(rb"^(Bcc|X-Eva-Conversation: conv\s*$)", raw, re.MULTILINE | re.I)
    mail = parse(tmp_path / f"{ticket.id}.eml")
    assert mail["Bcc"] is None
    assert mail["Reply-To"] is None, "the contact is no longer a plain address"
    # The header names the conversation by its digest (handoff/audit.py): nothing of the
    # id, line breaks included, reaches it.
    assert mail["X-Eva-Conversation"] == masked_id(ticket.conversation_id)
    assert ticket.contact == "shopper@example.com Bcc: victim@example.com"


def test_ticket_email_strips_line_breaks_from_every_header(tmp_path):
    config = TicketConfig(
        outbox=tmp_path,
        sender="Eva <eva@shop.example>\nBcc: evil@example.com",
        recipient="help@shop.example\r\nCc: evil@example.com",
        reply_within_hours=48,
        callback_within_minutes=20,
    )
    ticket = Ticket(
        id="T-20261123-ABCDEF\r\nBcc: evil@example.com",
        kind="message",
        conversation_id="c",
        language="en",
        team="en",
        contact="a@example.com\nBcc: evil@example.com",
        message="hello",
        created_at=NOW,
    )

    message = ticket_email(ticket, config)
    reparsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)

    assert reparsed["Bcc"] is None and reparsed["Cc"] is None
    assert reparsed["Reply-To"] is None
    assert "\n" not in str(reparsed["Subject"])
    assert EmlOutbox(tmp_path).path_for(message).name == "T-20261123-ABCDEFBccevilexamplecom.eml"


def test_a_failed_email_keeps_the_ticket(redis_settings, tmp_path, caplog):
    class BrokenOutbox:
        async def send(self, message: EmailMessage) -> str:
            raise ConnectionRefusedError("mail server down")

    async def scenario(client: Any) -> tuple[Ticket, Ticket | None, list[str]]:
        ticket = await leave(client, BrokenOutbox(), ticket_config(tmp_path))
        unsent = await client.lrange(UNSENT_KEY, 0, -1)
        return ticket, await get_ticket(client, ticket.id), unsent

    with caplog.at_level(logging.ERROR, logger="handoff.tickets"):
        ticket, stored, unsent = with_redis(redis_settings, scenario)

    assert stored == ticket
    assert ticket.id in unsent
    assert f"could not send the e-mail for ticket {ticket.id}" in caplog.text


def test_unknown_tickets_are_none(redis_settings):
    async def scenario(client: Any) -> Ticket | None:
        return await get_ticket(client, "T-19990101-000000")

    assert with_redis(redis_settings, scenario) is None


def test_tickets_round_trip_through_dicts():
    ticket = Ticket("T-20261123-7F3A9C", "callback", "c1", "en", "en", "+1 555", "call me", NOW)

    data = ticket.to_dict()

    assert data["created_at"] == "2026-11-23T22:15:00+00:00"
    assert Ticket.from_dict(data) == ticket
    with pytest.raises(ValueError, match="unknown ticket kind"):
        Ticket.from_dict({**data, "kind": "fax"})


# --- outboxes -------------------------------------------------------------------------


def test_the_environment_picks_the_outbox(monkeypatch, tmp_path):
    config = ticket_config(tmp_path / "outbox")
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)

    eml = outbox_from_environment(config)
    assert isinstance(eml, EmlOutbox) and eml.directory == tmp_path / "outbox"

    monkeypatch.setenv("SMTP_HOST", "mail.example")
    smtp = outbox_from_environment(config)
    assert isinstance(smtp, SmtpOutbox)
    assert (smtp.host, smtp.port, smtp.user, smtp.starttls) == ("mail.example", 587, "", True)

    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_USER", "eva")
    monkeypatch.setenv("SMTP_PASSWORD", "pw")
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    smtp = outbox_from_environment(config)
    assert isinstance(smtp, SmtpOutbox)
    assert (smtp.port, smtp.user, smtp.password, smtp.starttls) == (2525, "eva", "pw", False)


def test_smtp_outbox_uses_starttls_and_login(monkeypatch, tmp_path):
    calls: list[tuple[str, Any]] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            calls.append(("connect", (host, port)))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append(("quit", None))

        def starttls(self, context: Any) -> None:
            calls.append(("starttls", None))

        def login(self, user: str, password: str) -> None:
            calls.append(("login", (user, password)))

        def send_message(self, message: EmailMessage) -> None:
            calls.append(("send", message["Subject"]))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    ticket = Ticket("T-20261123-7F3A9C", "message", "c1", "en", "en", "a@b.example", "hi", NOW)
    message = ticket_email(ticket, ticket_config(tmp_path))

    where = asyncio.run(SmtpOutbox("mail.example", 587, "eva", "pw").send(message))

    assert where == message["Message-ID"]
    assert calls == [
        ("connect", ("mail.example", 587)),
        ("starttls", None),
        ("login", ("eva", "pw")),
        ("send", "[T-20261123-7F3A9C] 메시지 / Message from a shopper"),
        ("quit", None),
    ]


def test_eml_outbox_replaces_files_whole(tmp_path):
    outbox = EmlOutbox(tmp_path / "new" / "folder")
    ticket = Ticket("T-20261123-7F3A9C", "message", "c1", "en", "en", "a@b.example", "one", NOW)
    later = Ticket("T-20261123-7F3A9C", "message", "c1", "en", "en", "a@b.example", "two", NOW)

    first = asyncio.run(outbox.send(ticket_email(ticket, ticket_config(tmp_path))))
    second = asyncio.run(outbox.send(ticket_email(later, ticket_config(tmp_path))))

    assert first == second == str(tmp_path / "new" / "folder" / "T-20261123-7F3A9C.eml")
    assert os.listdir(tmp_path / "new" / "folder") == ["T-20261123-7F3A9C.eml"]
    assert "two" in body(parse(Path(second)))


# --- live config ----------------------------------------------------------------------

CONFIG = """
teams:
  ko:
    name: {ko: 한국어 상담팀, en: Korean team}
    timezone: Asia/Seoul
    hours: {mon: ["09:00-18:00"]}
  en:
    name: {ko: 영어 상담팀, en: English team}
    timezone: America/New_York
    hours: {mon: ["09:00-17:00"]}
queue: {abandon_after_seconds: 600, minutes_per_chat: 4}
tickets:
  outbox: .run/outbox
  from: eva@shop.example
  to: help@shop.example
  reply_within_hours: 48
  callback_within_minutes: 20
"""


def hours_of(live: LiveConfig) -> str:
    start, end = live.get().teams["ko"].hours[0][0]
    return f"{start:%H:%M}-{end:%H:%M}"


def test_live_config_reloads_and_keeps_the_last_good_one(tmp_path, caplog):
    path = tmp_path / "handoff.yml"
    path.write_text(CONFIG, encoding="utf-8")
    live = LiveConfig(path, check_interval=0)
    assert hours_of(live) == "09:00-18:00"

    # The same size, written at once: mtime alone may not tell the versions apart.
    path.write_text(CONFIG.replace("09:00-18:00", "10:00-18:00"), encoding="utf-8")
    assert hours_of(live) == "10:00-18:00"

    with caplog.at_level(logging.ERROR, logger="handoff.config"):
        path.write_text(CONFIG.replace("09:00-18:00", "18:00-10:00"), encoding="utf-8")
        assert hours_of(live) == "10:00-18:00"
        assert hours_of(live) == "10:00-18:00"
    assert "bad time range '18:00-10:00'" in caplog.text
    assert caplog.text.count("keeping the last good handoff config") == 1

    path.write_text(CONFIG.replace("09:00-18:00", "08:00-20:00"), encoding="utf-8")
    assert hours_of(live) == "08:00-20:00"

    path.unlink()
    assert hours_of(live) == "08:00-20:00"


def test_live_config_checks_once_a_second(tmp_path):
    path = tmp_path / "handoff.yml"
    path.write_text(CONFIG, encoding="utf-8")
    live = LiveConfig(path)
    assert hours_of(live) == "09:00-18:00"

    path.write_text(CONFIG.replace("09:00-18:00", "11:00-18:00"), encoding="utf-8")
    time.sleep(1.1)

    assert hours_of(live) == "11:00-18:00"


def test_live_config_raises_on_a_broken_first_load(tmp_path):
    path = tmp_path / "handoff.yml"
    path.write_text("teams: [", encoding="utf-8")

    with pytest.raises(HandoffConfigError, match="YAML syntax error"):
        LiveConfig(path).get()
