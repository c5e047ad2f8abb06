"""The handoff state machine in a real Redis: places, atomic claims, capacity, abandon."""

from __future__ import annotations

import asyncio
import uuid

from bot.redis_server import RedisSettings
from handoff.queue import BOT, CLOSED, QUEUED, WITH_AGENT, HandoffQueue, Outcome


def team() -> str:
    # A fresh team per test keeps the tests independent on the shared Redis.
    return "team-" + uuid.uuid4().hex[:8]


def run(redis_settings: RedisSettings, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        client = redis_settings.async_client()
        try:
            await scenario(HandoffQueue(client))
        finally:
            await client.close()

    asyncio.run(main())


def test_places_follow_arrival_and_enqueue_twice_keeps_the_place(redis_settings) -> None:
    async def scenario(queue: HandoffQueue) -> None:
        key = team()
        for name in ("a", "b", "c"):
            await queue.enqueue(f"{key}-{name}", key, "ko", "Asia/Seoul", f"words {name}")
        assert await queue.enqueue(f"{key}-a", key, "ko", "Asia/Seoul", "again") == (QUEUED, key)
        assert [await queue.position(f"{key}-{n}", key) for n in "abc"] == [1, 2, 3]
        waiting = await queue.waiting(key)
        assert [h.first_words for h in waiting] == ["words a", "words b", "words c"]

    run(redis_settings, scenario)


def test_two_agents_racing_for_one_conversation_one_wins_100_times(redis_settings) -> None:
    async def scenario(queue: HandoffQueue) -> None:
        key = team()
        for round_ in range(100):
            conversation = f"{key}-{round_}"
            await queue.enqueue(conversation, key, "ko", "Asia/Seoul", "hi")
            outcomes = await asyncio.gather(
                *(queue.claim(conversation, f"agent-{i}", 1000, (key,)) for i in range(5))
            )
            assert outcomes.count(Outcome.OK) == 1
            assert set(outcomes) == {Outcome.OK, Outcome.TAKEN}
            handoff = await queue.get(conversation)
            assert handoff is not None and handoff.state == WITH_AGENT
        assert await queue.waiting(key) == []

    run(redis_settings, scenario)


def test_capacity_team_and_ownership_are_enforced(redis_settings) -> None:
    async def scenario(queue: HandoffQueue) -> None:
        key, agent = team(), "agent-" + uuid.uuid4().hex[:6]
        for name in "abc":
            await queue.enqueue(f"{key}-{name}", key, "en", "America/New_York", "hi")
        assert await queue.claim(f"{key}-a", agent, 2, ("other",)) is Outcome.WRONG_TEAM
        assert await queue.claim(f"{key}-a", agent, 2, (key,)) is Outcome.OK
        assert await queue.claim(f"{key}-b", agent, 2, (key,)) is Outcome.OK
        assert await queue.has_chat(agent, f"{key}-a") and not await queue.has_chat(agent, "x")
        assert await queue.claim(f"{key}-c", agent, 2, (key,)) is Outcome.CAPACITY
        assert await queue.claim("nobody", agent, 2, (key,)) is Outcome.NOT_FOUND
        assert await queue.release(f"{key}-a", "someone-else", BOT) is Outcome.NOT_YOURS
        assert await queue.release(f"{key}-a", agent, CLOSED, "done") is Outcome.OK
        assert not await queue.has_chat(agent, f"{key}-a")
        assert await queue.release(f"{key}-a", agent, CLOSED, "again") is Outcome.ALREADY_CLOSED
        # Closing one frees a seat.
        assert await queue.claim(f"{key}-c", agent, 2, (key,)) is Outcome.OK
        assert await queue.release(f"{key}-b", agent, BOT) is Outcome.OK
        assert await queue.state(f"{key}-b") == BOT

    run(redis_settings, scenario)


def test_transfer_keeps_the_original_place_in_the_new_team(redis_settings) -> None:
    async def scenario(queue: HandoffQueue) -> None:
        ko, en = team(), team()
        await queue.enqueue("early-" + ko, ko, "ko", "Asia/Seoul", "first")
        await queue.enqueue("late-" + en, en, "en", "America/New_York", "second")
        assert await queue.claim("early-" + ko, "agent-x", 3, (ko,)) is Outcome.OK
        assert await queue.release("early-" + ko, "agent-x", QUEUED, team=en) is Outcome.OK
        assert await queue.position("early-" + ko, en) == 1
        assert await queue.position("late-" + en, en) == 2

    run(redis_settings, scenario)


def test_a_shopper_not_seen_for_too_long_is_dropped(redis_settings) -> None:
    async def scenario(queue: HandoffQueue) -> None:
        key = team()
        await queue.enqueue(f"{key}-gone", key, "ko", "Asia/Seoul", "hi")
        await queue.enqueue(f"{key}-here", key, "ko", "Asia/Seoul", "hi")
        await asyncio.sleep(1.1)
        await queue.touch(f"{key}-here")
        assert await queue.drop_abandoned(key, abandon_after_seconds=1) == [f"{key}-gone"]
        assert await queue.state(f"{key}-gone") == CLOSED
        assert await queue.position(f"{key}-here", key) == 1

    run(redis_settings, scenario)
