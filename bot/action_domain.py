"""Only the parts of the domain that custom actions read, for those that ask for it.

Rasa sends the whole domain to each action marked `send_domain: true` in domain.yml:
here the two form validations, called at almost every step of a form. 91 of the model
domain's 95 KB are the responses (every FAQ answer in both languages), which no action
reads: rasa_sdk's `FormValidationAction` reads the form's required slots (`forms`),
its `ValidationAction` the slots' mappings (`slots`), and our actions nothing else.
Writing, sending and parsing the rest cost both servers CPU at every form step. With
`domain_parts` in the action endpoint's section of endpoints.yml, such actions get
only those top-level parts of the domain; without it, the whole domain, as in Rasa.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
ORIGINAL_CALL_FORMAT = RemoteAction._action_call_format
# The action endpoint's setting (endpoints.yml) listing the parts to send.
PARTS_SETTING = "domain_parts"


def domain_parts(action: RemoteAction) -> list[str] | None:
    """The parts of the domain the action endpoint asks for; None for all."""
    endpoint = action.action_endpoint
    parts = endpoint.kwargs.get(PARTS_SETTING) if endpoint is not None else None
    if parts is None:
        return None
    if isinstance(parts, str):
        return [parts]
    if not isinstance(parts, list) or not all(isinstance(part, str) for part in parts):
        # A shopper's turn must not fail over a setting: the whole domain, as without it.
        _warn_once(
            f"action_endpoint {PARTS_SETTING} in endpoints.yml should list the domain's "
            f"top-level keys (such as [forms, slots]), not {parts!r}: sending the whole domain"
        )
        return None
    return parts


@cache
def _warn_once(warning: str) -> None:
    logger.warning(warning)


def action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """`RemoteAction._action_call_format`, with only the configured parts of the domain."""
    call: dict[str, Any] = ORIGINAL_CALL_FORMAT(self, tracker, domain)
    parts = domain_parts(self)
    if parts is not None and "domain" in call:
        whole = call["domain"]
        call["domain"] = {part: whole[part] for part in parts if part in whole}
    return call


def install() -> None:
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
