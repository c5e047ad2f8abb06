"""The review inbox in Redis: NLU misses per language, one entry per distinct text.

Keys (prefix `eva:inbox`):
- `<prefix>:<lang>`: sorted set of item ids by last time seen;
- `<prefix>:item:<id>`: hash with the masked text, count, best guess, first/last seen;
- `<prefix>:resolved:<lang>`: ids an editor accepted or dismissed: never listed again;
- `<prefix>:paused:<sender hash>`: set while a conversation is with a human agent.

The same text in other spelling ("Qwzx  blorp!" / "qwzx blorp") is one item: ids come
from the text as `eva validate` compares examples (case, spaces, punctuation ignored).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis.asyncio

from bot.content_checks.nlu import normalised
from bot.inbox.capture import Candidate
from bot.language import SUPPORTED_LANGUAGES, Language, normalise_language

PREFIX = "eva:inbox"
# Anyone can send messages: the inbox must not grow without end. The oldest go first.
MAX_ITEMS_PER_LANGUAGE = 500
# A handed-off conversation that never comes back stops counting as paused after a day.
PAUSE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class InboxItem:
    id: str
    language: Language
    text: str
    count: int
    intent: str | None
    confidence: float
    # The bot fell back (nlu_fallback), rather than answering unsure.
    fell_back: bool
    first_seen: float
    last_seen: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def item_id(language: str, text: str) -> str:
    key = normalised(text) or " ".join(text.casefold().split())
    return hashlib.sha256(f"{language}\0{key}".encode()).hexdigest()[:20]


def _list_key(language: str) -> str:
    return f"{PREFIX}:{language}"


def _item_key(identifier: str) -> str:
    return f"{PREFIX}:item:{identifier}"


def _resolved_key(language: str) -> str:
    return f"{PREFIX}:resolved:{language}"


def paused_key(sender_id: str) -> str:
    return f"{PREFIX}:paused:{hashlib.sha256(sender_id.encode()).hexdigest()[:24]}"


def _item(raw: dict[str, str]) -> InboxItem | None:
    language = normalise_language(raw.get("language"))
    if language is None or "text" not in raw or "id" not in raw:
        return None
    return InboxItem(
        id=raw["id"],
        language=language,
        text=raw["text"],
        count=int(raw.get("count") or 0),
        intent=raw.get("intent") or None,
        confidence=float(raw.get("confidence") or 0.0),
        fell_back=raw.get("fell_back") == "1",
        first_seen=float(raw.get("first_seen") or 0.0),
        last_seen=float(raw.get("last_seen") or 0.0),
    )


class InboxStore:
    """Works on a client made with `decode_responses=True` (RedisSettings.async_client)."""

    def __init__(
        self, client: redis.asyncio.Redis, max_items: int = MAX_ITEMS_PER_LANGUAGE
    ) -> None:
        self.client = client
        self.max_items = max_items

    async def record(self, candidate: Candidate, now: float | None = None) -> str | None:
        """Count one miss; the item's id, or None when an editor already handled the text."""
        identifier = item_id(candidate.language, candidate.text)
        if await self.client.sismember(_resolved_key(candidate.language), identifier):
            return None
        moment = time.time() if now is None else now
        key = _item_key(identifier)
        async with self.client.pipeline(transaction=True) as pipe:
            # The first spelling seen stays the one shown; the guess is the latest.
            pipe.hsetnx(key, "text", candidate.text)
            pipe.hsetnx(key, "first_seen", moment)
            pipe.hset(
                key,
                mapping={
                    "id": identifier,
                    "language": candidate.language,
                    "intent": candidate.intent or "",
                    "confidence": candidate.confidence,
                    "fell_back": "1" if candidate.fell_back else "0",
                    "last_seen": moment,
                },
            )
            pipe.hincrby(key, "count", 1)
            pipe.zadd(_list_key(candidate.language), {identifier: moment})
            pipe.zcard(_list_key(candidate.language))
            results = await pipe.execute()
        overflow = int(results[-1]) - self.max_items
        if overflow > 0:
            oldest = await self.client.zpopmin(_list_key(candidate.language), overflow)
            if oldest:
                await self.client.delete(*(_item_key(str(member)) for member, _ in oldest))
        return identifier

    async def items(self, language: Language, limit: int = 200) -> list[InboxItem]:
        """The language's items, most frequent first, then most recent."""
        identifiers = await self.client.zrevrange(_list_key(language), 0, -1)
        if not identifiers:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for identifier in identifiers:
                pipe.hgetall(_item_key(str(identifier)))
            rows = await pipe.execute()
        found = [item for row in rows if row and (item := _item(row)) is not None]
        found.sort(key=lambda item: (-item.count, -item.last_seen))
        return found[:limit]

    async def all_items(self, limit: int = 200) -> dict[Language, list[InboxItem]]:
        return {language: await self.items(language, limit) for language in SUPPORTED_LANGUAGES}

    async def get(self, identifier: str) -> InboxItem | None:
        row = await self.client.hgetall(_item_key(identifier))
        return _item(row) if row else None

    async def resolve(self, item: InboxItem) -> None:
        """Take the item out for good: accepted or dismissed, it is never listed again."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.sadd(_resolved_key(item.language), item.id)
            pipe.zrem(_list_key(item.language), item.id)
            pipe.delete(_item_key(item.id))
            await pipe.execute()

    async def set_paused(self, sender_id: str, paused: bool) -> None:
        if paused:
            await self.client.set(paused_key(sender_id), "1", ex=PAUSE_SECONDS)
        else:
            await self.client.delete(paused_key(sender_id))

    async def is_paused(self, sender_id: str) -> bool:
        return bool(await self.client.exists(paused_key(sender_id)))
