"""Faster versions of two Rasa 3.6 functions on every turn's path, same results.

Installed by `python -m bot.server` (the Rasa server `make run` starts) before Rasa
loads. Measured with py-spy under load (docs/benchmarks.md):

- `RemoteAction._validate_action_result` checked every action server reply with
  `jsonschema.validate`, which re-checks the schema itself and builds a validator
  each call: about 16 ms per custom action, a third of the server's CPU. A validator
  built once accepts valid replies in well under a millisecond; a reply it rejects
  goes through Rasa's own method, so errors read exactly as before.
- `Event.resolve_by_type` walked every subclass of `Event` for each event it turned
  back from JSON (hundreds per turn when a tracker loads). A dictionary by type name
  answers the known names; anything else goes to Rasa's own method.

rasa is pinned (constraints.txt), and tests/test_speedups.py checks that both still
behave like the originals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

ORIGINAL_VALIDATE = RemoteAction._validate_action_result
ORIGINAL_RESOLVE = Event.resolve_by_type


@cache
def action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    return jsonschema.validators.validator_for(schema)(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if action_response_validator().is_valid(result):
        return True
    return bool(ORIGINAL_VALIDATE(self, result))


_event_types: dict[str, type[Event]] = {}


def _index_event_types() -> None:
    # The first class found wins, as in Rasa's loop.
    for cls in all_subclasses(Event):
        _event_types.setdefault(cls.type_name, cls)


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    if type_name not in _event_types:
        # New Event subclasses may have been imported since the last look.
        _index_event_types()
    found = _event_types.get(type_name)
    return found if found is not None else ORIGINAL_RESOLVE(type_name, default)


def install() -> None:
    patched: Callable[..., bool] = validate_action_result
    RemoteAction._validate_action_result = patched  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
