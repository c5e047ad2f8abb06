"""Agents' messages reach the Rasa tracker after the shopper, in order, even when the
Rasa server is away for a while (handoff/transcript_writer.py, real Redis and Rasa).

The queue is in a Redis of its own, so that the running stack's web service (whose
sweeper writes whatever it finds queued) cannot take part."""

from __future__ import annotations

import asyncio
import uuid

from bot.redis_server import RedisSettings
from bot.stack import free_port
from handoff.rasa_api import RasaApi
from handoff.transcript_writer import PENDING, TranscriptWriter, lease_key
from tests.conftest import RunningBot


def _agent_line(text: str) -> list[dict[str, object]]:
    return [{"event": "bot", "text": text, "metadata": {"agent": "a1", "agent_name": "Mina"}}]


async def _bot_texts(rasa: RasaApi, conversation_id: str) -> list[str]:
    return [str(e.get("text")) for e in await rasa.events(conversation_id) if e["event"] == "bot"]


def test_queued_lines_wait_out_a_rasa_outage_and_land_in_order(
    bot: RunningBot, redis_settings: RedisSettings
) -> None:
    conversation_id = "tw" + uuid.uuid4().hex
    lines = [f"line {n} {uuid.uuid4().hex[:6]}" for n in range(3)]

    async def scenario() -> None:
        client = redis_settings.async_client()
        away = RasaApi(f"http://127.0.0.1:{free_port()}", bot.stack.rasa_api_token, timeout=2)
        rasa = RasaApi(bot.rasa_url, bot.stack.rasa_api_token)
        try:
            unlucky = TranscriptWriter(client, away)
            for line in lines:
                await unlucky.append(conversation_id, _agent_line(line))
            await asyncio.sleep(0.5)
            # Nothing written, nothing lost: every line is still queued in Redis.
            assert conversation_id in await client.smembers(PENDING)
            assert await client.llen(f"{PENDING}:{conversation_id}") == len(lines)
            await unlucky.close()
            # A stopped writer lets go of its lease, and starts no new writer (one asked
            # to look again used to, holding the lease and keeping the next process out).
            for _ in range(100):
                await asyncio.sleep(0.1)
                if not await client.exists(lease_key(conversation_id)):
                    break
            assert not await client.exists(lease_key(conversation_id))
            await asyncio.sleep(1.5)
            assert not await client.exists(lease_key(conversation_id))

            writer = TranscriptWriter(client, rasa)
            await writer.resume()
            await writer.flush(conversation_id, timeout=30)
            assert await _bot_texts(rasa, conversation_id) == lines
            assert conversation_id not in await client.smembers(PENDING)
            assert await client.llen(f"{PENDING}:{conversation_id}") == 0
        finally:
            await away.close()
            await rasa.close()
            await client.close()

    asyncio.run(scenario())


def test_lines_queued_while_the_writer_finishes_are_written_too(
    bot: RunningBot, redis_settings: RedisSettings
) -> None:
    conversation_id = "tw" + uuid.uuid4().hex
    lines = [f"burst {n} {uuid.uuid4().hex[:6]}" for n in range(12)]

    async def scenario() -> None:
        client = redis_settings.async_client()
        rasa = RasaApi(bot.rasa_url, bot.stack.rasa_api_token)
        try:
            writer = TranscriptWriter(client, rasa)
            for line in lines:
                await writer.append(conversation_id, _agent_line(line))
                await asyncio.sleep(0.01 * (len(line) % 3))
            for _ in range(100):
                await writer.flush(conversation_id, timeout=30)
                if not await client.llen(f"{PENDING}:{conversation_id}"):
                    break
                await asyncio.sleep(0.1)
            assert await _bot_texts(rasa, conversation_id) == lines
        finally:
            await rasa.close()
            await client.close()

    asyncio.run(scenario())
