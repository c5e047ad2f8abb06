"""The RulePolicy's matching rules, looked up once per shape of the conversation's end.

`RulePolicy._get_possible_keys` tests every rule against every state of the history,
newest first, for each prediction (twice after a shopper's message, once more for a
form's unhappy path): 4 % of the Rasa workers' Python time under the load of 32
shoppers (py-spy, GIL held). A rule only looks as far back as it is long, so the
answer depends on the last `n` states alone, `n` being the longest rule of the lookup,
and the same few endings of conversations come back all the time. Here each ending
is answered once per lookup and then remembered (at most `MAX_KEPT` endings, then
counted afresh; all of them when rules leave the lookup, as in a training). Callers
get a set of their own.
"""

from __future__ import annotations

from collections.abc import Hashable

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import State

ORIGINAL_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys
# The policy's attribute holding the remembered answers, per lookup.
KEPT_ATTRIBUTE = "_eva_rule_keys"
MAX_KEPT = 4096


class _Answers:
    def __init__(self, lookup: dict[str, str]) -> None:
        self.lookup = lookup
        # Training drops contradicting rules from the lookup while it predicts.
        self.size = len(lookup)
        self.reach = max((len(RulePolicy._rule_key_to_state(key)) for key in lookup), default=0)
        self.answers: dict[Hashable, frozenset[str]] = {}


def _frozen(state: State) -> Hashable:
    return tuple((kind, tuple(sub_state.items())) for kind, sub_state in state.items())


def get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """`RulePolicy._get_possible_keys`, remembered per lookup and ending of `states`."""
    kept: dict[int, _Answers] = self.__dict__.setdefault(KEPT_ATTRIBUTE, {})
    answers = kept.get(id(lookup))
    if answers is None or answers.lookup is not lookup or answers.size != len(lookup):
        answers = kept[id(lookup)] = _Answers(lookup)
    ending = states[-answers.reach :] if answers.reach else []
    key = tuple(_frozen(state) for state in ending)
    try:
        found = answers.answers.get(key)
    except TypeError:
        # A value that cannot be a key (states hold strings and tuples).
        return ORIGINAL_GET_POSSIBLE_KEYS(self, lookup, states)  # type: ignore[no-any-return]
    if found is None:
        if len(answers.answers) >= MAX_KEPT:
            answers.answers.clear()
        found = answers.answers[key] = frozenset(ORIGINAL_GET_POSSIBLE_KEYS(self, lookup, ending))
    return set(found)


def install() -> None:
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]
