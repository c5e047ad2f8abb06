"""Deep copies made only for debug log lines, made only when debug lines are written.

Rasa 3.6 logs with structlog and hands its debug lines deep copies of what they show
(`structlogger.debug("...", states=copy.deepcopy(states))`). Python builds the
arguments before the call finds debug lines switched off, so every turn deep-copied
states, events and slot values for nothing: 3 % of the Rasa workers' Python time under
the load of 32 shoppers (py-spy, GIL held). In the modules below `copy` is used for
nothing else (tests/test_debug_copies.py reads their source to be sure), so their
`copy` is replaced by one whose `deepcopy` copies only while the module's logger
writes debug lines, and otherwise hands the value itself to the call that drops it.

The RulePolicy also formats the states it looks up into text for a debug line, at every
prediction (0.9 %): it does so only while its logger writes debug lines.
"""

from __future__ import annotations

import copy
import importlib
import logging
from typing import Any

from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy

# Modules whose `copy.` calls all build arguments of `structlogger.debug`.
MODULES = (
    "rasa.core.processor",
    "rasa.core.policies.memoization",
    "rasa.core.policies.rule_policy",
    "rasa.core.actions.forms",
)


class DebugOnlyCopies:
    """The `copy` module as one module's debug lines use it."""

    def __init__(self, logger_name: str) -> None:
        self._logger = logging.getLogger(logger_name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if self._logger.isEnabledFor(logging.DEBUG):
            return copy.deepcopy(value, memo)
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


RULE_POLICY_LOGGER = logging.getLogger("rasa.core.policies.rule_policy")


def states_for_debug_lines(states: list[dict[str, Any]]) -> str:
    """`Policy.format_tracker_states` for the RulePolicy's debug line, which is its only use."""
    if RULE_POLICY_LOGGER.isEnabledFor(logging.DEBUG):
        formatted: str = Policy.format_tracker_states(states)
        return formatted
    return ""


def install() -> None:
    RulePolicy.format_tracker_states = staticmethod(states_for_debug_lines)  # type: ignore[method-assign,assignment]
    for name in MODULES:
        module = importlib.import_module(name)
        if not isinstance(module.copy, DebugOnlyCopies):
            module.copy = DebugOnlyCopies(name)  # type: ignore[attr-defined]
