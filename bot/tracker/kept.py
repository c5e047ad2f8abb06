"""The trackers a Rasa worker saved last, kept to answer the next turn without a reload.

Loading a conversation (its window's events read from Redis, parsed and replayed into a
new tracker) took 8 % of the Rasa workers' Python time under the load of 32 shoppers
(py-spy, GIL held), and the policies then replayed the whole history again for the
first prediction. After a save, the tracker in memory holds exactly the events a load
would give back, unless the save moved the window (bot/tracker/window.py). So the store
keeps it, with the version its save wrote to Redis; the next load asks Redis whether
the conversation still has that version (in the one round trip a load takes anyway)
and then hands out the kept tracker instead of building one.

A kept tracker is handed out once: whoever loads it owns it until the next save, so
a second load meanwhile (the HTTP API reading without the conversation's lock, another
message waiting for it) builds its own from Redis, as before. It is not handed out if
it changed after its save (an error between a change and the save), if the domain
changed (a new model), or if anything else wrote to the conversation since (another
worker, the agent console), which wrote a new version.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.applied_events import EventsMark

DEFAULT_KEEP_TRACKERS = 256


@dataclass(frozen=True)
class Kept:
    tracker: DialogueStateTracker
    version: str
    domain: Domain
    saved: EventsMark

    def is_intact(self, domain: Domain) -> bool:
        """Unchanged since its save, for the same domain."""
        return self.domain is domain and self.saved.still_holds(self.tracker)


class KeptTrackers:
    """The latest saved trackers, the least recently saved dropped first."""

    def __init__(self, size: int = DEFAULT_KEEP_TRACKERS) -> None:
        if size < 0:
            raise ValueError(f"tracker_store keep_trackers must be 0 or more, got {size}")
        self.size = size
        self._kept: OrderedDict[str, Kept] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, sender_id: object) -> bool:
        return sender_id in self._kept

    def keep(self, tracker: DialogueStateTracker, version: str, domain: Domain) -> None:
        if not self.size:
            return
        sender_id = tracker.sender_id
        self._kept.pop(sender_id, None)
        self._kept[sender_id] = Kept(tracker, version, domain, EventsMark.of(tracker))
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        self._kept.pop(sender_id, None)

    def take(self, sender_id: str, domain: Domain) -> Kept | None:
        """The conversation's kept tracker, if intact; it is no longer kept."""
        kept = self._kept.pop(sender_id, None)
        return kept if kept is not None and kept.is_intact(domain) else None
