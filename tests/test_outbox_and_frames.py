"""The live channel's parts without a server: numbering and replay in a real Redis, and
frame parsing (malformed, wrong types, huge)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from bot.outbox import Outbox
from bot.redis_server import RedisSettings
from handoff.config import WidgetConfig
from handoff.widget_frames import FrameError, ShopperMessage, error_frame, parse_frame
from handoff.widget_socket import origin_allowed


def test_writers_in_parallel_get_gapless_numbers_and_replay_is_exact(redis_settings) -> None:
    async def scenario() -> None:
        client = redis_settings.async_client()
        outbox = Outbox(client)
        sender = "s-" + uuid.uuid4().hex
        try:
            seqs = await asyncio.gather(
                *(outbox.append(sender, {"role": "bot", "text": f"m{i}"}) for i in range(50))
            )
            assert sorted(seqs) == list(range(1, 51))
            replay = await outbox.after(sender, 0)
            assert [m.seq for m in replay] == list(range(1, 51))
            # Each seq carries the message written with it.
            by_seq = dict(zip(seqs, [f"m{i}" for i in range(50)], strict=True))
            assert all(m.body["text"] == by_seq[m.seq] for m in replay)
            assert [m.seq for m in await outbox.after(sender, 47)] == [48, 49, 50]
            assert await outbox.after(sender, 50) == []
            assert await outbox.last_seq(sender) == 50
            assert (await outbox.after(sender, 49))[0].frame()["type"] == "message"
        finally:
            await client.close()

    asyncio.run(scenario())


def test_a_new_message_wakes_the_subscribers(redis_settings: RedisSettings) -> None:
    async def scenario() -> None:
        client = redis_settings.async_client()
        pubsub = client.pubsub()
        await pubsub.subscribe("eva:outbox:notify")
        sender = "s-" + uuid.uuid4().hex
        try:
            await Outbox(client).append(sender, {"role": "agent", "text": "hi"})
            for _ in range(20):
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                if message:
                    assert message["data"] == sender
                    return
            pytest.fail("no notification")
        finally:
            await pubsub.close()
            await client.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1, 2]", '"hello"', "{}", '{"type": 3}', b"\xff\xfe", "null"],
)
def test_malformed_frames_are_refused_politely(raw: str | bytes) -> None:
    with pytest.raises(FrameError) as error:
        parse_frame(raw, 8192)
    frame = error_frame(error.value.code)
    assert frame["type"] == "error" and frame["message"]["ko"] and frame["message"]["en"]


def test_huge_frames_and_texts_are_too_long() -> None:
    with pytest.raises(FrameError, match="too_long"):
        parse_frame(json.dumps({"type": "message", "text": "가" * 5000}), 8192)
    frame = parse_frame(json.dumps({"type": "message", "text": "a" * 1001, "client_id": "c"}), 8192)
    with pytest.raises(FrameError, match="too_long"):
        ShopperMessage.from_frame(frame)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "message", "text": 5, "client_id": "c"},
        {"type": "message", "text": "hi"},
        {"type": "message", "text": "hi", "client_id": ""},
        {"type": "message", "text": "hi", "client_id": "c" * 65},
        {"type": "message", "text": "hi", "client_id": "c", "payload": "no-slash"},
        {"type": "message", "text": "hi", "client_id": "c", "payload": ["/x"]},
    ],
)
def test_messages_with_wrong_types_are_bad_frames(frame: dict[str, object]) -> None:
    with pytest.raises(FrameError, match="bad_frame"):
        ShopperMessage.from_frame(frame)


def test_origin_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://shop.example, http://x.test:8080")
    config = WidgetConfig(allowed_origins=frozenset({"http://localhost:8080"}))
    assert origin_allowed(config, "http://localhost:8080")
    assert origin_allowed(config, "https://shop.example")
    assert origin_allowed(config, "http://x.test:8080")
    assert not origin_allowed(config, "https://evil.example")
    assert not origin_allowed(config, "null")
    # Non-browser clients send no Origin; it cannot be checked, so it is not required.
    assert origin_allowed(config, None)
