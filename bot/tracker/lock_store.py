"""One message at a time per conversation, first come first served, across Rasa workers.

Configured in endpoints.yml:

    lock_store:
      type: bot.tracker.lock_store.RedisTicketLockStore
      url: <host>
      port: <port>
      db: <db>
      password: <password>
      key_prefix: eva

Rasa's RedisLockStore reads a conversation's lock, changes it in Python and writes it
back, with blocking Redis calls: two workers can draw the same ticket, the server's
event loop stands still while Redis answers (7 % of a worker's time under load), and a
message that has to wait looks again only after a whole second — which an agent's
message, written into a conversation the shopper is writing in, paid on every try.

Here every step is one Lua script on `<prefix>:lock:<id>:tickets`, a sorted set of
tickets (score: the ticket number from `<prefix>:lock:<id>:next`, member:
`<number>:<expiry in ms>`): drawing a ticket, asking which ticket is served (expired
tickets at the front are dropped, so a crashed holder blocks for `lock_lifetime` at
most), and giving it back; drawing also asks, so a free lock takes one round trip. A
waiting message looks again after 2 ms, then ever less often up to every 50 ms.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.redis_limits import redis_limits
from bot.tracker.keys import lock_keys
from handoff.audit import masked_id

FIRST_WAIT_SECONDS = 0.002
LONGEST_WAIT_SECONDS = 0.05

# The ticket now served at ARGV[1] (ms), or -1 when none is left; expired tickets at the
# front are dropped.
_SERVED = """
local function served(tickets, now)
  while true do
    local first = redis.call('ZRANGE', tickets, 0, 0)
    if #first == 0 then return -1 end
    local colon = string.find(first[1], ':', 1, true)
    if tonumber(string.sub(first[1], colon + 1)) > now then
      return tonumber(string.sub(first[1], 1, colon - 1))
    end
    redis.call('ZREM', tickets, first[1])
  end
end
"""

# KEYS: tickets, next. ARGV: now (ms), lifetime (ms). Returns {the new ticket's number,
# the ticket now served}: an uncontended lock is taken in this one round trip.
_DRAW = (
    _SERVED
    + """
local number = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], number, number .. ':' .. (tonumber(ARGV[1]) + tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[2]))
return {number, served(KEYS[1], tonumber(ARGV[1]))}
"""
)

# KEYS: tickets. ARGV: now (ms). Returns the ticket now served, or -1 when none is left.
_SERVING = _SERVED + "return served(KEYS[1], tonumber(ARGV[1]))"

# KEYS: tickets, next. ARGV: ticket number. Drops the ticket, and the keys when it was the last.
_GIVE_BACK = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


class RedisTicketLockStore(LockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options: dict[str, Any] = dict(endpoint_config.kwargs)
        self.redis = redis.asyncio.Redis(
            host=endpoint_config.url or "localhost",
            port=int(options.get("port") or 6379),
            db=int(options.get("db") or 0),
            password=options.get("password") or None,
            socket_connect_timeout=redis_limits().connect_timeout_seconds,
            socket_timeout=redis_limits().read_timeout_seconds,
        )
        self.key_prefix = str(options.get("key_prefix") or "eva")
        self._draw = self.redis.register_script(_DRAW)
        self._serving = self.redis.register_script(_SERVING)
        self._give_back = self.redis.register_script(_GIVE_BACK)

    def _keys(self, conversation_id: str) -> list[str]:
        return lock_keys(conversation_id, self.key_prefix)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        keys = self._keys(conversation_id)
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        ticket, serving = await self._draw(keys=keys, args=[_now_ms(), lifetime_ms])
        try:
            await self._wait_for_turn(conversation_id, int(ticket), int(serving))
            yield TicketLock(conversation_id)
        finally:
            await self._give_back(keys=keys, args=[ticket])

    async def _wait_for_turn(self, conversation_id: str, ticket: int, serving: int) -> None:
        keys = self._keys(conversation_id)[:1]
        wait = FIRST_WAIT_SECONDS
        while True:
            if serving == ticket:
                return
            if serving == -1 or serving > ticket:
                # Rasa logs the error: the conversation only as its digest.
                raise LockError(
                    f"Could not acquire lock for conversation {masked_id(conversation_id)}: "
                    "the ticket expired while waiting."
                )
            await asyncio.sleep(wait)
            wait = min(2 * wait, LONGEST_WAIT_SECONDS)
            serving = int(await self._serving(keys=keys, args=[_now_ms()]))
