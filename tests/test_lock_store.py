"""The Redis ticket lock store (bot/tracker/lock_store.py) against a real Redis."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.redis_server import RedisSettings
from bot.tracker.lock_store import RedisTicketLockStore


def store(redis_settings: RedisSettings, prefix: str) -> RedisTicketLockStore:
    config = EndpointConfig(
        url=redis_settings.host,
        type="bot.tracker.lock_store.RedisTicketLockStore",
        port=redis_settings.port,
        db=redis_settings.db,
        password=redis_settings.password,
        key_prefix=prefix,
    )
    return RedisTicketLockStore(config)


def test_messages_of_one_conversation_take_turns_in_arrival_order_across_workers(
    redis_settings,
):
    async def main() -> None:
        prefix = f"t{uuid.uuid4().hex[:8]}"
        # Two stores: two Rasa workers sharing the Redis.
        workers = [store(redis_settings, prefix), store(redis_settings, prefix)]
        inside: list[int] = []
        order: list[int] = []
        # A message has arrived once its ticket is drawn: the next one is sent only then,
        # however slowly a loaded machine gets the draws to Redis.
        drawn = asyncio.Semaphore(0)
        for worker in workers:
            draw = worker._draw

            async def draw_and_tell(*args: Any, _draw: Any = draw, **kwargs: Any) -> Any:
                ticket = await _draw(*args, **kwargs)
                drawn.release()
                return ticket

            worker._draw = draw_and_tell  # type: ignore[assignment]

        async def message(number: int) -> None:
            async with workers[number % 2].lock("shopper"):
                inside.append(number)
                assert len(inside) == 1, f"{inside} hold the lock together"
                order.append(number)
                await asyncio.sleep(0.01)
                inside.remove(number)

        tasks = []
        for number in range(12):
            tasks.append(asyncio.create_task(message(number)))
            await drawn.acquire()  # they arrive in this order
        await asyncio.gather(*tasks)
        assert order == list(range(12))
        # Nothing is left behind once everyone is done.
        assert await workers[0].redis.keys(f"{prefix}:*") == []
        for worker in workers:
            await worker.redis.close()

    asyncio.run(main())


def test_other_conversations_do_not_wait(redis_settings):
    async def main() -> None:
        locks = store(redis_settings, f"t{uuid.uuid4().hex[:8]}")

        async def other() -> None:
            async with locks.lock("other shopper"):
                pass

        async with locks.lock("slow shopper"):
            await asyncio.wait_for(other(), timeout=1)
        await locks.redis.close()

    asyncio.run(main())


def test_a_holder_that_never_gives_back_blocks_only_for_its_lifetime(redis_settings):
    async def main() -> None:
        locks = store(redis_settings, f"t{uuid.uuid4().hex[:8]}")
        crashed = locks.lock("shopper", lock_lifetime=0.2)
        await crashed.__aenter__()  # taken and never released, as by a crashed worker
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with locks.lock("shopper"):
            waited = loop.time() - started
        assert 0.1 < waited < 2
        await locks.redis.close()

    asyncio.run(main())


def test_a_ticket_that_expires_while_waiting_is_an_error(redis_settings):
    async def main() -> None:
        locks = store(redis_settings, f"t{uuid.uuid4().hex[:8]}")
        async with locks.lock("shopper", lock_lifetime=5):
            with pytest.raises(LockError, match="expired"):
                async with locks.lock("shopper", lock_lifetime=0.1):
                    pass
        await locks.redis.close()

    asyncio.run(main())
