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
from datetime import datetime, timedelta, timezone
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
from handoff.retention import (
    DAY_SECONDS,
    RetentionSettings,
    end_idle_conversations,
    ended_keys,
    parse_retention,
)
from handoff.retention_backfill import SCAN_BATCH, backfill_retention
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


def test_keys_stored_before_retention_existed_get_its_expiry(small_redis, tmp_path):
    """Keys written before retention existed have no time to live and no conversation
    of theirs is listed in ACTIVE_KEY. The backfill (SCAN, in batches: more old
    conversations than one batch) hands them to the sweeper, which ends those idle for
    long enough and never one with an agent; tickets expire `days` after they were made."""
    old, closed, with_agent = (f"{name}-{uuid.uuid4().hex[:8]}" for name in "ocw")
    bulk = [f"bulk-{uuid.uuid4().hex[:8]}-{n}" for n in range(SCAN_BATCH + 100)]
    config = TicketConfig(tmp_path, "eva@shop.example", "help@shop.example", 48, 20)

    async def ticket(client: redis.asyncio.Redis, days_ago: int) -> str:
        made = await create_ticket(
            client,
            config,
            EmlOutbox(tmp_path),
            kind="message",
            conversation_id=closed,
            language="ko",
            team="ko",
            contact="shopper@example.com",
            message="연락 주세요",
            keep_seconds=SETTINGS.seconds,
            now=datetime.now(timezone.utc) - timedelta(days=days_ago),
        )
        return TICKET_KEY.format(id=made.id)

    async def scenario(client: redis.asyncio.Redis) -> tuple[list[str], list[str], str, str]:
        store, queue, outbox = tracker_store(small_redis), HandoffQueue(client), Outbox(client)
        for sender in (old, closed, with_agent):
            await say(store, sender, "주문 어디쯤 왔나요? where is my order")
            await outbox.append(sender, {"role": "bot", "text": "order 1234"})
        for sender in bulk:
            await say(store, sender, "hello")
        for sender in (closed, with_agent):
            await queue.enqueue(sender, "ko", "ko", "Asia/Seoul", "주문")
            assert await queue.claim(sender, "minji", 3, ("ko",)) is Outcome.OK
        assert await queue.release(closed, "minji", CLOSED, "solved") is Outcome.OK
        recent, ancient = await ticket(client, 1), await ticket(client, 100)
        # What the keys looked like before retention: nothing listed, no time to live.
        await client.delete(ACTIVE_KEY)
        for sender in (old, closed, with_agent, *bulk):
            for key in ended_keys(sender):
                await client.persist(key)
        for key in (recent, ancient):
            await client.persist(key)

        adopted, tickets = await backfill_retention(client, SETTINGS)
        assert adopted == 3 + len(bulk) and tickets == 2
        # Just written: not idle yet, so the sweeper ends none of them now ...
        early = await end_idle_conversations(client, SETTINGS)
        # ... and two hours later all but the one with an agent, a batch a sweep.
        gone: list[str] = []
        while ended := await end_idle_conversations(client, SETTINGS, now=time.time() + LATER):
            gone.extend(ended)
        return early, gone, recent, ancient

    early, gone, recent, ancient = run(small_redis, scenario)

    assert early == []
    assert sorted(gone) == sorted([old, closed, *bulk])
    days = SETTINGS.seconds
    for sender in (old, closed, bulk[0], bulk[-1]):
        for key in (events_key(sender), window_key(sender)):
            assert ttl(small_redis, key) in about(days), key
    for sender in (old, closed):
        assert ttl(small_redis, stream_key(sender)) in about(min(KEEP_SECONDS, days))
    assert ttl(small_redis, conversation_key(closed)) in about(days)
    # With an agent: in progress, no time to live.
    for key in (events_key(with_agent), stream_key(with_agent), conversation_key(with_agent)):
        assert ttl(small_redis, key) == -1, key
    # A ticket made a day ago has the rest of its 30 days; one made 100 days ago is gone.
    assert ttl(small_redis, recent) in about(days - DAY_SECONDS)
    assert ttl(small_redis, ancient) == -2
