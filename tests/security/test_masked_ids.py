"""A conversation id is never written in full to a log or to a ticket e-mail's headers
(issue #21): where one is named it is its digest (handoff/audit.py `masked_id`), which an
operator holding the id can still search for.

On the real stack (the `bot` fixture: its servers' own log files, Rasa's included, and
the tickets' .eml files), and in this process for the transcript writer's Rasa-outage
warning, which the stack only logs while Rasa is away.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import uuid

import pytest

from bot.redis_server import RedisSettings
from bot.stack import free_port
from handoff.audit import masked_id
from handoff.rasa_api import RasaApi
from handoff.transcript_writer import PENDING, TranscriptWriter, pending_key
from tests.conftest import RunningBot
from tests.handoff_setup import ALWAYS
from tests.replies import texts

OUTAGE_SECONDS = 60


def test_a_ticket_leaves_its_conversation_id_in_no_log_and_no_header(bot: RunningBot) -> None:
    conversation_id = f"secret-{uuid.uuid4().hex}"
    bot.handoff_config.set_hours("ko", {"mon": ["09:00-09:01"]})
    try:
        closed = texts(bot.say(conversation_id, "상담원이랑 이야기하고 싶어요"))
        assert "월" in closed, closed
        bot.say(conversation_id, "/leave_message")
        bot.say(conversation_id, "제 메일은 shopper@example.com 이에요")
        created = texts(bot.say(conversation_id, "패딩 사이즈를 교환하고 싶어요"))
    finally:
        bot.handoff_config.set_hours("ko", dict(ALWAYS))
    found = re.search(r"T-\d{8}-[0-9A-F]{6}", created)
    assert found, created

    raw = (bot.handoff_config.outbox / f"{found.group(0)}.eml").read_bytes()
    headers, _, _ = raw.partition(b"\n\n")
    assert conversation_id.encode() not in headers
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["X-Eva-Conversation"] == masked_id(conversation_id)
    body = mail.get_body(("plain",))  # type: ignore[attr-defined]
    # The body keeps it: agents look the conversation up by it in the console.
    assert body is not None and f"Conversation ID: {conversation_id}" in body.get_content()

    logs = sorted(bot.stack.log_dir.glob("*.log"))
    assert {path.name for path in logs} >= {"rasa.log", "actions.log", "web.log"}
    for path in logs:
        assert conversation_id not in path.read_text(errors="replace"), path


def test_a_rasa_outage_is_logged_with_the_conversation_masked(
    redis_settings: RedisSettings, caplog: pytest.LogCaptureFixture
) -> None:
    conversation_id = f"secret-{uuid.uuid4().hex}"
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        client = redis_settings.async_client()
        away = RasaApi(f"http://127.0.0.1:{free_port()}", "token", timeout=2)
        writer = TranscriptWriter(client, away)
        try:
            await writer.append(conversation_id, [{"event": "bot", "text": "hello"}])
            deadline = asyncio.get_running_loop().time() + OUTAGE_SECONDS
            while "waits for Rasa" not in caplog.text:
                assert asyncio.get_running_loop().time() < deadline, "no outage was logged"
                await asyncio.sleep(0.1)
        finally:
            await writer.close()
            await client.delete(pending_key(conversation_id))
            await client.srem(PENDING, conversation_id)
            await away.close()
            await client.close()

    asyncio.run(scenario())

    assert f"transcript of {masked_id(conversation_id)} waits for Rasa" in caplog.text
    assert conversation_id not in caplog.text
