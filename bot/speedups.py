"""Faster versions of Rasa 3.6 and Sanic 21.12 functions on every turn's path, same results.

Installed by `python -m bot.server` (the Rasa server `make run` starts, and the training
`make model` and `eva train` run) before Rasa loads. Measured with py-spy under load
(docs/benchmarks.md):

- `RemoteAction._validate_action_result` checked every action server reply with
  `jsonschema.validate`, which re-checks the schema itself and builds a validator
  each call: about 16 ms per custom action, a third of the server's CPU. Validators
  built once accept valid replies in well under a millisecond, checking each event
  against its own type's part of the schema instead of trying all 23 (`oneOf`); a
  reply they reject goes through Rasa's own method, so errors read exactly as before.
- `Event.resolve_by_type` walked every subclass of `Event` for each event it turned
  back from JSON (hundreds per turn when a tracker loads). A dictionary by type name
  answers the known names; anything else goes to Rasa's own method.
- `Domain.is_empty`, asked at every parse, built a whole empty domain to compare with:
  0.2 ms of the event loop per message. The empty domain's dictionary is built once.
- Every tracker Rasa builds (loading a conversation, and again for each past turn
  whenever a policy looks at the history) copies every slot with `copy.copy`, which
  takes the generic pickle-protocol path: 2 % of the server's CPU. Slots get a
  `__copy__` doing what that path does for them (a new instance with the same
  attributes) without the detour.
- `MemoizationPolicy` turned the last turns' states into its lookup key with `zlib`
  for every prediction (5 % of the server's CPU), although the same few shapes of
  conversation come back all the time: each distinct key is compressed once.

- With several workers (SANIC_WORKERS) Sanic 21.12 binds one listening socket that all
  workers share. asyncio accepts up to 100 waiting connections per wake-up, so the
  first worker to wake takes a whole burst of connections, and they stay with it
  (keep-alive, WebSockets): measured, one worker at 97 % CPU and the other idle. Here
  each worker listens on its own SO_REUSEPORT socket and the kernel spreads new
  connections over them. The parent's socket only holds the address: it is bound
  but never listens, so no connection is queued where nobody accepts. The workers
  then even out the connections they hold (bot/connection_balance.py).

- `RasaModel.load` built DIET's and the ResponseSelector's variables by training one
  step on a dummy batch, which also creates Adam's two slots per weight, gradients and
  a traced training graph, then restored the checkpoint (optimizer state included):
  about 590 MB and 11 s per worker. One eager prediction creates every variable that
  prediction reads; restoring the weights into them (the optimizer's part of the
  checkpoint is left unread) gives the same predictions for about 190 MB and 4.5 s.
  Fine-tuning still takes Rasa's own path, which needs the optimizer.

- `DaskGraphRunner.run` built a dask graph and ran dask's scheduler for every parse
  and every action prediction, for graphs that are short chains of nodes: 3 % of the
  server's CPU. The same node calls, in an order computed once per list of targets,
  give the same results. In a training, DIET and the ResponseSelector train side by side
  (bot/parallel_training.py).

A message's features are joined in bot/message_features.py and fingerprinted in
bot/fingerprints.py; bot/one_message_data.py makes a parse's message into a classifier's
model data; bot/direct_prediction.py calls the classifiers' traced graphs;
bot/count_vectors.py featurizes many messages per scikit-learn call; bot/sparse_batches.py
turns a batch's sparse features into a tensor's parts without a loop per example;
bot/fused_training_step.py compiles a training step's weight updates with XLA;
bot/kept_connections.py keeps the connections to the action server open;
bot/action_domain.py sends actions only the parts of the domain they read;
bot/prior_states.py replays a tracker's history once for all the policies asking;
bot/tracker_copy.py copies a tracker's state instead of replaying its events;
bot/tracker_state.py writes out the active loop of a tracker's state without `asdict`;
bot/applied_events.py extends a tracker's applied events as it grows;
bot/rule_keys.py remembers which rules match the end of a conversation;
bot/debug_copies.py skips the deep copies made for debug lines nobody writes.

rasa and sanic are pinned (constraints.txt), and tests/test_speedups.py checks that the
replacements still behave like the originals.
"""

from __future__ import annotations

import base64
import json
import socket
import zlib
from collections.abc import Callable, Hashable
from functools import cache, lru_cache
from ipaddress import ip_address
from typing import Any

import jsonschema
import rasa.utils.train_utils
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.generator import State
from rasa.shared.core.slots import Slot
from rasa.shared.utils.common import all_subclasses
from rasa.shared.utils.io import DEFAULT_ENCODING
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel
from sanic.server import runners

from bot import (
    action_domain,
    applied_events,
    connection_balance,
    count_vectors,
    debug_copies,
    direct_prediction,
    fingerprints,
    fused_training_step,
    kept_connections,
    masked_kernels,
    message_features,
    one_message_data,
    prior_states,
    rule_keys,
    sparse_batches,
    tracker_copy,
    tracker_state,
)
from bot.parallel_training import train_side_by_side, trains_tensorflow_model

ORIGINAL_VALIDATE = RemoteAction._validate_action_result
ORIGINAL_RESOLVE = Event.resolve_by_type
ORIGINAL_SERVE = runners.serve
ORIGINAL_MODEL_LOAD = RasaModel.load.__func__  # type: ignore[attr-defined]
ORIGINAL_RUN_GRAPH = DaskGraphRunner.run
ORIGINAL_FEATURE_KEY = MemoizationPolicy._create_feature_key
ORIGINAL_IS_EMPTY = Domain.is_empty
EXECUTION_ORDERS_ATTRIBUTE = "_eva_execution_orders"


def _validator(schema: dict[str, Any]) -> Any:
    return jsonschema.validators.validator_for(schema)(schema)


@cache
def _reply_validator() -> Any:
    """Rasa's reply schema, with each event left to _event_validators()."""
    schema = RemoteAction.action_response_format_spec()
    events = {**schema["properties"]["events"], "items": {}}
    return _validator({**schema, "properties": {**schema["properties"], "events": events}})


@cache
def _event_validators() -> dict[str, Any]:
    """Rasa's event schema by event type: the common part and that type's branch."""
    common = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    return {
        branch["properties"]["event"]["const"]: _validator({"allOf": [common, branch]})
        for branch in EVENT_SCHEMA["oneOf"]
    }


# The reply's schema without the events' own (`_reply_validator`) looks only at the types
# of the reply, of its events list and of its responses list and their items, so a reply
# of a shape seen valid is valid (tests/test_speedups.py pins the schema).
_valid_shapes: set[Hashable] = set()
MAX_SHAPE_RESPONSES = 16


def _reply_shape(result: Any) -> Hashable | None:
    """The types the reply's schema looks at (None for a reply that is no dict, or a
    long list of responses, which is checked every time)."""
    if type(result) is not dict:
        return None
    events = type(result["events"]) if "events" in result else None
    if "responses" not in result:
        return (events, None)
    responses = result["responses"]
    if type(responses) is not list:
        return (events, type(responses))
    if len(responses) > MAX_SHAPE_RESPONSES:
        return None
    return (events, list, tuple(map(type, responses)))


# Replies repeat the same events (a slot set to the same value, a loop started, a
# greeting): each distinct one is checked once. A form step's reply took 122 µs (2.2 %
# of the workers' Python time under the load of 32 shoppers, py-spy, GIL held), now
# 4 µs: about 1 µs to freeze an event.
MAX_REMEMBERED = 4096
_valid_events: set[Hashable] = set()
_PLAIN = frozenset({str, int, float, bool, type(None)})


def frozen(value: Any) -> Hashable | None:
    """The value as a hashable key that keeps every type in it (JSON's `1`, `1.0` and
    `true` stay apart, as they do for the schema); None for anything but JSON's types."""
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
    if kind is dict:
        items = []
        for key, item in value.items():
            frozen_item = frozen(item)
            if type(key) is not str or frozen_item is None:
                return None
            items.append((key, frozen_item))
        return (dict, tuple(items))
    if kind is list:
        frozen_items = tuple(frozen(item) for item in value)
        return None if None in frozen_items else (list, frozen_items)
    return None


def action_result_is_valid(result: Any) -> bool:
    """Rasa's schema check, with each event checked only against its own type's branch.

    Every branch of the schema's `oneOf` fixes a different `event` value, so an event
    that passes its own type's branch fails all the others: exactly one matches, as
    `oneOf` asks, without trying the other 22. Shapes of replies and events found valid
    before are not checked again.
    """
    shape = _reply_shape(result)
    if shape not in _valid_shapes:
        if not _reply_validator().is_valid(result):
            return False
        if shape is not None:
            _remember(_valid_shapes, shape)
    validators = _event_validators()
    for event in result.get("events") or []:
        key = frozen(event)
        if key is not None and key in _valid_events:
            continue
        kind = event.get("event") if isinstance(event, dict) else None
        validator = validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
        if key is not None:
            _remember(_valid_events, key)
    return True


def _remember(seen: set[Hashable], key: Hashable) -> None:
    if len(seen) >= MAX_REMEMBERED:
        seen.clear()
    seen.add(key)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if action_result_is_valid(result):
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


# A conversation's last turns take few distinct shapes: a few hundred at most here.
@lru_cache(maxsize=4096)
def _compressed_feature_key(feature_string: str) -> str:
    compressed = zlib.compress(feature_string.encode(DEFAULT_ENCODING))
    return base64.b64encode(compressed).decode(DEFAULT_ENCODING)


def create_feature_key(self: MemoizationPolicy, states: list[State]) -> str | None:
    """`MemoizationPolicy._create_feature_key`, each distinct key compressed only once."""
    if not states:
        return None
    feature_string = json.dumps(states, sort_keys=True).replace('"', "")
    if self.config["enable_feature_string_compression"]:
        return _compressed_feature_key(feature_string)
    return feature_string


@cache
def _empty_domain() -> dict[str, Any]:
    empty: dict[str, Any] = Domain.empty().as_dict()
    return empty


def domain_is_empty(self: Domain) -> bool:
    """`Domain.is_empty`, comparing with an empty domain built only once."""
    return bool(self.as_dict() == _empty_domain())


def copy_slot(self: Slot) -> Slot:
    """`copy.copy` of a slot: what its pickle-protocol path builds, built directly."""
    copied = object.__new__(type(self))
    copied.__dict__.update(self.__dict__)
    return copied


def bind_address_only(host: str, port: int, *, backlog: int = 100) -> socket.socket:
    """Stands in for Sanic's `bind_socket` in the parent: holds the port, never listens."""
    try:
        family = socket.AF_INET6 if ip_address(host).version == 6 else socket.AF_INET
    except ValueError:  # a host name
        family = socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def serve_on_own_socket(*args: Any, **settings: Any) -> Any:
    """Sanic's worker `serve`, listening on a SO_REUSEPORT socket of its own."""
    shared = settings.get("sock")
    if settings.get("run_multiple") and shared is not None and shared.family != socket.AF_UNIX:
        host, port = shared.getsockname()[:2]
        shared.close()
        settings.update(sock=None, host=host, port=port, reuse_port=True)
    return ORIGINAL_SERVE(*args, **settings)


def load_model_for_inference(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """`RasaModel.load` for a model that will only predict."""
    if finetune_mode or predict_data_example is None:
        return ORIGINAL_MODEL_LOAD(  # type: ignore[no-any-return]
            cls,
            model_file_name,
            model_data_example,
            predict_data_example,
            finetune_mode,
            *args,
            **kwargs,
        )
    model = cls(*args, **kwargs)
    model.compile(run_eagerly=kwargs.get("config", {}).get(RUN_EAGERLY))
    batches, _ = rasa.utils.train_utils.create_data_generators(
        model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False
    )
    model.predict_step(next(iter(batches))[0])
    model.load_weights(model_file_name).expect_partial()
    masked_kernels.mask_for_prediction(model)
    # That first prediction embedded the labels with untrained weights; the next one
    # embeds them again with the restored weights and traces the prediction graph.
    model.prepared_for_prediction = False
    model.run_inference(predict_data_example)
    return model


# (node name, the names of its inputs in call order), each node after its needs.
ExecutionOrder = list[tuple[str, list[str]]]


def _execution_order(runner: DaskGraphRunner, targets: tuple[str, ...]) -> ExecutionOrder:
    """The nodes the targets need, each after its needs, with the names it is called with."""
    orders: dict[tuple[str, ...], ExecutionOrder] = runner.__dict__.setdefault(
        EXECUTION_ORDERS_ATTRIBUTE, {}
    )
    if targets not in orders:
        nodes = runner._graph_schema.minimal_graph_schema(list(targets)).nodes
        order: ExecutionOrder = []
        placed: set[str] = set()

        def place(name: str) -> None:
            if name in placed or name not in nodes:
                return
            placed.add(name)
            needs = list(nodes[name].needs.values())
            for need in needs:
                place(need)
            order.append((name, needs))

        for name in nodes:
            place(name)
        orders[targets] = order
    return orders[targets]


def run_graph_in_order(
    self: DaskGraphRunner,
    inputs: dict[str, Any] | None = None,
    targets: list[str] | None = None,
) -> dict[str, Any]:
    """`DaskGraphRunner.run` without dask: the same node calls in a cached order."""
    run_targets = targets if targets else self._graph_schema.target_names
    order = _execution_order(self, tuple(run_targets))
    # As in Rasa's graph for dask, an input is the pair (name, value), as node outputs are.
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and any(value == node for node, _ in order):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of "
                f"the input names passed to the `run` method are the same as node names "
                f"in the graph schema."
            )
        values[name] = (name, value)
    try:
        for name, needs in order:
            if name in values:
                continue
            if trains_tensorflow_model(self, name):
                values.update(train_side_by_side(self, order, values, name))
            else:
                # A name that is neither a node nor an input is passed as itself (dask's rule).
                values[name] = self._instantiated_nodes[name](*(values.get(n, n) for n in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(values[target] for target in run_targets)


def install() -> None:
    patched: Callable[..., bool] = validate_action_result
    RemoteAction._validate_action_result = patched  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
    runners.bind_socket = bind_address_only  # type: ignore[attr-defined]
    runners.serve = serve_on_own_socket
    RasaModel.load = classmethod(load_model_for_inference)  # type: ignore[assignment]
    DaskGraphRunner.run = run_graph_in_order  # type: ignore[method-assign]
    MemoizationPolicy._create_feature_key = create_feature_key  # type: ignore[method-assign]
    Domain.is_empty = domain_is_empty  # type: ignore[method-assign]
    Slot.__copy__ = copy_slot  # type: ignore[attr-defined]
    fingerprints.install()
    message_features.install()
    one_message_data.install()
    count_vectors.install()
    sparse_batches.install()
    fused_training_step.install()
    kept_connections.install()
    direct_prediction.install()
    masked_kernels.install()
    prior_states.install()
    connection_balance.install()
    tracker_copy.install()
    tracker_state.install()
    action_domain.install()
    applied_events.install()
    rule_keys.install()
    debug_copies.install()
