"""Retention and Redis limits (issue #21): ended conversations, tickets and handoff
records get the configured time to live; conversations in progress get none, so the
maxmemory policy never evicts them, even when Redis is filled past its limit.

Everything runs on a real embedded Redis started with a small maxmemory, written to by
our own tracker store, outbox, handoff queue and tickets.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
import redis
import redis.asyncio
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.in_progress import ACTIVE_KEY
from bot.outbox import KEEP_SECONDS, Outbox, counter_key, stream_key
from bot.redis_limits import RedisLimits, eviction_problems, parse_redis_limits
from bot.redis_server import RedisSettings
from bot.tracker.keys import events_key, rest_owner_key, window_key
from bot.tracker.lock_store import RedisTicketLockStore
from bot.tracker.redis_store import AppendOnlyRedisTrackerStore
from handoff.config import TicketConfig
from handoff.queue import CLOSED, HandoffQueue, Outcome, conversation_key, held_key
from handoff.rest_integrations import RestOwners
from handoff.retention import RetentionSettings, end_idle_conversations, parse_retention
from handoff.tickets import TICKET_KEY, EmlOutbox, create_ticket
from tests.redis_servers import embedded_redis

T = TypeVar("T")
SETTINGS = parse_retention({"days": 30, "ended_after_minutes": 60})
# Far enough ahead that every conversation written so far has been idle for an hour.
LATER = 2 * 3600
MAXMEMORY_BYTES = 8 * 1024 * 1024
WORDS = "x" * 40_000


@pytest.fixture(scope="module")
def small_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisSettings]:
    run_dir = tmp_path_factory.mktemp("small-redis")
    limits = RedisLimits(maxmemory=str(MAXMEMORY_BYTES), maxmemory_policy="volatile-lru")
    with embedded_redis(run_dir, limits) as settings:
        yield settings


def run(settings: RedisSettings, scenario: Callable[[redis.asyncio.Redis], Awaitable[T]]) -> T:
    async def main() -> T:
        client = settings.async_client()
        try:
            return await scenario(client)
        finally:
            await client.close()

    return asyncio.run(main())


def tracker_store(settings: RedisSettings) -> AppendOnlyRedisTrackerStore:
    return AppendOnlyRedisTrackerStore(Domain.empty(), host=settings.host, port=settings.port)


async def say(store: AppendOnlyRedisTrackerStore, sender: str, text: str) -> None:
    """One shopper turn, saved as the Rasa server saves it."""
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(text))
    await store.save(tracker)


def ttl(settings: RedisSettings, key: str) -> int:
    client = settings.client()
    try:
        return int(client.ttl(key))
    finally:
        client.close()


def about(seconds: int) -> range:
    """A time to live just set to `seconds` (a few seconds may have passed)."""
    return range(seconds - 60, seconds + 1)


def test_ended_conversations_tickets_and_handoff_records_expire(small_redis, tmp_path):
    ended, waiting, with_agent, back = (f"{name}-{uuid.uuid4().hex[:8]}" for name in "ewab")

    async def scenario(client: redis.asyncio.Redis) -> tuple[list[str], str]:
        store, queue, outbox = tracker_store(small_redis), HandoffQueue(client), Outbox(client)
        owners = RestOwners(client)
        for sender in (ended, waiting, with_agent, back):
            # Started over REST: the integration's claim comes before the first turn.
            await owners.owner(sender, "helpdesk", SETTINGS.seconds)
            await say(store, sender, "주문 어디쯤 왔나요? where is my order")
            await outbox.append(sender, {"role": "bot", "text": "order 1234"})
        # ended: an agent had it and closed it; waiting: in the queue; with_agent: an
        # agent has it now. Nobody writes in any of them for two hours.
        for sender in (ended, waiting, with_agent):
            await queue.enqueue(sender, "ko", "ko", "Asia/Seoul", "주문")
        assert await queue.claim(ended, "minji", 3, ("ko",)) is Outcome.OK
        assert await queue.release(ended, "minji", CLOSED, "solved") is Outcome.OK
        assert await queue.claim(with_agent, "sam", 3, ("ko",)) is Outcome.OK
        ticket = await create_ticket(
            client,
            TicketConfig(tmp_path, "eva@shop.example", "help@shop.example", 48, 20),
            EmlOutbox(tmp_path),
            kind="message",
            conversation_id=ended,
            language="ko",
            team="ko",
            contact="shopper@example.com",
            message="연락 주세요",
            keep_seconds=SETTINGS.seconds,
        )
        gone = await end_idle_conversations(client, SETTINGS, now=time.time() + LATER)
        # The shopper of `back` comes back: in progress again.
        await say(store, back, "아직 안 왔어요")
        return gone, ticket.id

    gone, ticket_id = run(small_redis, scenario)

    assert ended in gone and back in gone
    assert waiting not in gone and with_agent not in gone
    days = SETTINGS.seconds
    assert days == 30 * 24 * 3600
    for key in (
        events_key(ended),
        window_key(ended),
        conversation_key(ended),
        held_key(ended),
        rest_owner_key(ended),
        TICKET_KEY.format(id=ticket_id),
    ):
        assert ttl(small_redis, key) in about(days), key
    for key in (stream_key(ended), counter_key(ended)):
        assert ttl(small_redis, key) in about(min(KEEP_SECONDS, days)), key
    # In progress: no time to live, so no volatile-* policy can evict them.
    for sender in (waiting, with_agent, back):
        for key in (
            events_key(sender),
            window_key(sender),
            stream_key(sender),
            rest_owner_key(sender),
        ):
            assert ttl(small_redis, key) == -1, key
    assert ttl(small_redis, conversation_key(with_agent)) == -1
    assert ttl(small_redis, held_key(with_agent)) == -1


def test_filling_redis_past_maxmemory_never_evicts_a_conversation_in_progress(small_redis):
    """The attack: write more than maxmemory. Ended conversations are evicted to make
    room; once only conversations in progress are left, Redis refuses the write (out of
    memory) instead of dropping one of them."""
    run_id = uuid.uuid4().hex[:8]

    async def scenario(client: redis.asyncio.Redis) -> tuple[list[str], int, bool, int]:
        store = tracker_store(small_redis)
        # Ended conversations, up to about half of the memory.
        old = 0
        while int((await client.info("memory"))["used_memory"]) < MAXMEMORY_BYTES // 2:
            await say(store, f"old-{run_id}-{old}", WORDS)
            old += 1
        await end_idle_conversations(client, SETTINGS, now=time.time() + LATER)
        # Then conversations in progress, until Redis can take no more.
        in_progress: list[str] = []
        refused = False
        for n in range(4 * MAXMEMORY_BYTES // len(WORDS)):
            sender = f"live-{run_id}-{n}"
            try:
                await say(store, sender, WORDS)
            except redis.exceptions.OutOfMemoryError:
                refused = True
                break
            in_progress.append(sender)
        info = await client.info("stats")
        return in_progress, int(info["evicted_keys"]), refused, old

    in_progress, evicted, refused, old = run(small_redis, scenario)

    assert evicted > 0, "the fill never went past maxmemory"
    assert refused, "Redis evicted instead of refusing: a conversation in progress went"
    client = small_redis.client()
    try:
        # The production check accepts this Redis (it refuses unsafe ones: test_production).
        assert eviction_problems(client) == []
        for sender in in_progress:
            assert client.llen(events_key(sender)) == 2, sender
            assert client.ttl(events_key(sender)) == -1
            assert client.zscore(ACTIVE_KEY, sender) is not None
        old_left = sum(1 for _ in client.scan_iter(events_key(f"old-{run_id}-*")))
        assert old_left < old
        # Room again for the next test module's writes.
        client.flushdb()
    finally:
        client.close()


def test_bad_redis_and_retention_settings_are_refused_with_the_key_named():
    with pytest.raises(ValueError, match="maxmemory_policy"):
        parse_redis_limits({"maxmemory_policy": "allkeys-lru"})
    with pytest.raises(ValueError, match="read_timeout_seconds"):
        parse_redis_limits({"read_timeout_seconds": 0})
    with pytest.raises(ValueError, match="maxmemory"):
        parse_redis_limits({"maxmemory": "lots"})
    with pytest.raises(ValueError, match=r"retention\.days"):
        parse_retention({"days": 0})
    with pytest.raises(ValueError, match="unknown"):
        parse_retention({"weeks": 3})
    assert parse_retention(None) == RetentionSettings()


def test_every_client_gives_up_on_a_redis_that_never_answers():
    """A server that accepts connections and never replies (a hung Redis): each client
    we make fails after the configured read timeout instead of waiting for ever."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    settings = RedisSettings("127.0.0.1", silent.getsockname()[1])
    most = parse_redis_limits(None).read_timeout_seconds + 2
    lock_store = RedisTicketLockStore(EndpointConfig(url=settings.host, port=settings.port))

    async def pings() -> list[Any]:
        clients = [settings.async_client(), tracker_store(settings).redis, lock_store.redis]
        return await asyncio.gather(*(client.ping() for client in clients), return_exceptions=True)

    try:
        started = time.monotonic()
        with pytest.raises(redis.exceptions.TimeoutError):
            settings.client().ping()
        assert time.monotonic() - started < most
        started = time.monotonic()
        failures = asyncio.run(pings())
        assert time.monotonic() - started < most
        assert all(isinstance(failure, redis.exceptions.TimeoutError) for failure in failures)
    finally:
        silent.close()
