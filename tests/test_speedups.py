"""bot/speedups.py gives the same answers as the Rasa functions it stands in for."""

from __future__ import annotations

import asyncio
import copy
import socket
from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.slots import AnySlot, BooleanSlot, CategoricalSlot, FloatSlot, ListSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.tensorflow.models import RasaModel

from bot import speedups
from bot.stack import PROJECT_DIR

VALID_REPLIES = [
    {},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "timestamp": None, "name": "order_id", "value": "12345678"},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "안녕하세요", "buttons": [], "custom": {}}],
    },
]
# Fields an event type must carry in Rasa's schema; the others need only "event".
REQUIRED_FIELDS: dict[str, dict[str, Any]] = {
    "slot": {"name": "order_id", "value": None},
    "entities": {"entities": []},
}
EVENT_TYPES = [branch["properties"]["event"]["const"] for branch in EVENT_SCHEMA["oneOf"]]
VALID_REPLIES += [
    {"events": [{"event": kind, "timestamp": 1.5, **REQUIRED_FIELDS.get(kind, {})}]}
    for kind in EVENT_TYPES
] + [
    {
        "events": [
            {
                "event": "user",
                "text": "배송 얼마나 걸려요?",
                "parse_data": {
                    "intent": {"name": "faq", "confidence": 0.99},
                    "entities": [{"entity": "language", "value": "ko", "start": 0, "end": 2}],
                    "response_selector": {"all_retrieval_intents": ["faq"]},
                },
            },
            {"event": "bot", "text": "3-7일", "metadata": {"lang": "ko"}},
        ]
    }
]
INVALID_REPLIES = [
    {"events": "not a list"},
    {"events": None},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": ["slot"]}]},
    {"events": [{"name": "order_id"}]},
    {"events": [5]},
    {"events": [{"event": "bot", "timestamp": "now"}]},
    {"events": [{"event": "user", "text": 5}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "x"}]}}]},
    {"events": [{"event": "entities", "entities": "none"}]},
    {"events": [{"event": "active_loop", "metadata": []}]},
    {"responses": [1, 2]},
    [],
]


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    return RemoteAction("action_answer_faq", None)


@pytest.mark.parametrize("reply", VALID_REPLIES)
def test_valid_action_replies_pass_both(action, reply):
    assert speedups.ORIGINAL_VALIDATE(action, reply) is True
    assert speedups.validate_action_result(action, reply) is True


@pytest.mark.parametrize("reply", INVALID_REPLIES)
def test_invalid_action_replies_fail_with_rasas_message(action, reply):
    with pytest.raises(jsonschema.ValidationError) as original:
        speedups.ORIGINAL_VALIDATE(action, reply)
    with pytest.raises(jsonschema.ValidationError) as ours:
        speedups.validate_action_result(action, reply)
    assert ours.value.message == original.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_the_reply_schema_looks_only_at_the_types_the_shapes_keep():
    assert speedups._reply_validator().schema == {
        "type": "object",
        "properties": {
            "events": {"type": "array", "items": {}},
            "responses": {"type": "array", "items": {"type": "object"}},
        },
    }


class _OwnList(list):  # type: ignore[type-arg]
    pass


# Each pair: a valid reply, then one that looks the same to a check that ignores types.
LOOKALIKES = [
    (
        {"events": [{"event": "bot", "timestamp": 1}]},
        {"events": [{"event": "bot", "timestamp": True}]},
    ),
    (
        {"events": [{"event": "entities", "entities": []}]},
        {"events": [{"event": "entities", "entities": ()}]},
    ),
    (
        {"events": [{"event": "slot", "name": "x", "value": 1}]},
        {"events": [{"event": "slot", "name": 1, "value": 1}]},
    ),
    ({"responses": [{"text": "hi"}]}, {"responses": [_OwnList()]}),
    ({"responses": [{"text": "hi"}]}, {"responses": ({"text": "hi"},)}),
    ({"events": []}, {"events": None}),
]


@pytest.mark.parametrize(("valid", "invalid"), LOOKALIKES)
def test_replies_checked_before_answer_for_no_other(action, valid, invalid):
    for _ in range(2):
        assert speedups.ORIGINAL_VALIDATE(action, valid) is True
        assert speedups.validate_action_result(action, valid) is True
        with pytest.raises(jsonschema.ValidationError):
            speedups.ORIGINAL_VALIDATE(action, invalid)
        with pytest.raises(jsonschema.ValidationError):
            speedups.validate_action_result(action, invalid)


def test_frozen_keeps_every_type():
    values = [1, 1.0, True, "1", None, [1], {"a": 1}, {"a": 1.0}, [[1]], [(1,)]]
    keys = [speedups.frozen(value) for value in values]
    assert keys[-1] is None and speedups.frozen({1: "a"}) is None
    assert len(set(keys[:-1])) == len(values) - 1


def test_every_event_type_resolves_to_the_same_class():
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started", "pause"} <= names
    for name in names:
        assert speedups.resolve_by_type(name) is speedups.ORIGINAL_RESOLVE(name)


def test_unknown_event_types_behave_as_in_rasa():
    assert speedups.resolve_by_type("topic") is None
    assert speedups.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        speedups.resolve_by_type("no_such_event")


def test_install_replaces_both(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", speedups.ORIGINAL_VALIDATE)
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(speedups.ORIGINAL_RESOLVE))
    speedups.install()
    assert RemoteAction._validate_action_result is speedups.validate_action_result
    assert Event.resolve_by_type("slot").type_name == "slot"
    assert Event.from_parameters({"event": "slot", "name": "x", "value": 1}) is not None


def test_the_parent_socket_holds_the_port_and_workers_share_it_through_reuse_port():
    parent = speedups.bind_address_only("127.0.0.1", 0)
    port = parent.getsockname()[1]
    try:
        # Nothing is queued on the parent's socket: it never listens.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        workers = []
        for _ in range(2):
            worker = socket.socket()
            worker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            worker.bind(("127.0.0.1", port))
            worker.listen(8)
            workers.append(worker)
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        for worker in workers:
            worker.close()
    finally:
        parent.close()


def test_each_worker_serves_on_its_own_socket(monkeypatch):
    seen: dict[str, object] = {}
    monkeypatch.setattr(speedups, "ORIGINAL_SERVE", lambda **settings: seen.update(settings))
    shared = speedups.bind_address_only("127.0.0.1", 0)
    port = shared.getsockname()[1]
    speedups.serve_on_own_socket(sock=shared, host=None, port=None, run_multiple=True)
    assert seen == {
        "sock": None,
        "host": "127.0.0.1",
        "port": port,
        "reuse_port": True,
        "run_multiple": True,
    }
    assert shared.fileno() == -1  # the inherited copy is closed
    # One worker (serve_single) is left as Sanic has it.
    seen.clear()
    speedups.serve_on_own_socket(sock=None, host="127.0.0.1", port=1, run_multiple=False)
    assert seen == {"sock": None, "host": "127.0.0.1", "port": 1, "run_multiple": False}


TEXTS = [
    "안녕하세요",
    "where is my order",
    "환불 기간이 얼마나 되나요?",
    "how long does shipping take to Korea",
    "주문 12345678 취소해 주세요",
    "asdf qwer",
    "상담원이랑 얘기하고 싶어요 please",
]


def _load_agent(model_path, monkeypatch, loader) -> Agent:
    monkeypatch.setattr(RasaModel, "load", classmethod(loader))
    return Agent.load(str(model_path))


def _parse_all(agent: Agent) -> list[dict[str, Any]]:
    async def parse() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in TEXTS]

    return asyncio.run(parse())


def _tensorflow_models(agent: Agent) -> list[RasaModel]:
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    components = [node._component for node in nodes.values()]
    return [c.model for c in components if isinstance(getattr(c, "model", None), RasaModel)]


def test_models_loaded_for_inference_predict_exactly_as_rasas(tensorflow_model_path, monkeypatch):
    ours = _load_agent(tensorflow_model_path, monkeypatch, speedups.load_model_for_inference)
    rasas = _load_agent(tensorflow_model_path, monkeypatch, speedups.ORIGINAL_MODEL_LOAD)
    assert _parse_all(ours) == _parse_all(rasas)
    intents = {parse["intent"]["name"] for parse in _parse_all(ours)}
    assert intents >= {"greet", "faq", "order_status"}
    # DIET and the ResponseSelector: Rasa's loader trained them a step, ours did not.
    assert len(_tensorflow_models(ours)) == len(_tensorflow_models(rasas)) == 2
    # Adam keeps two slots per weight; untrained, it holds only its step counter.
    assert all(len(model.optimizer.variables()) > 10 for model in _tensorflow_models(rasas))
    assert all(len(model.optimizer.variables()) == 1 for model in _tensorflow_models(ours))


def test_graphs_run_in_order_give_what_dask_gives(model_path, monkeypatch):
    agent = _load_agent(model_path, monkeypatch, speedups.load_model_for_inference)
    assert agent.processor is not None
    processor = agent.processor

    def conversation_results() -> tuple[list[dict[str, Any]], list[Any]]:
        parses = _parse_all(agent)
        events: list[Event] = []
        predictions = []
        for parse in parses:
            events += [ActionExecuted("action_listen"), UserUttered(parse["text"], parse["intent"])]
            tracker = DialogueStateTracker.from_events("t", events, slots=processor.domain.slots)
            predictions.append(processor._predict_next_with_tracker(tracker))
        return parses, predictions

    monkeypatch.setattr(DaskGraphRunner, "run", speedups.ORIGINAL_RUN_GRAPH)
    with_dask = conversation_results()
    monkeypatch.setattr(DaskGraphRunner, "run", speedups.run_graph_in_order)
    in_order = conversation_results()
    assert in_order == with_dask
    assert {p.max_confidence_index for p in in_order[1]} != {in_order[1][0].max_confidence_index}
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        target = processor.model_metadata.core_target
        processor.graph_runner.run(inputs={"__tracker__": target}, targets=[target])


STATE_HISTORIES: list[list[dict[str, Any]]] = [
    [],
    [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}],
    [
        {},
        {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "order_status"}},
        {
            "prev_action": {"action_name": "order_form"},
            "active_loop": {"name": "order_form"},
            "slots": {"language": (1.0,), "order_id": (1.0,)},
            "user": {"intent": "inform", "entities": ("order_id",)},
        },
    ],
    [{"user": {"text": "배송 언제 와요?"}, "prev_action": {"action_text": "안녕하세요"}}],
]


@pytest.mark.parametrize("compression", [True, False])
def test_memoization_keys_are_rasas_own(tmp_path, compression):
    policy = MemoizationPolicy.create(
        {
            **MemoizationPolicy.get_default_config(),
            "enable_feature_string_compression": compression,
        },
        LocalModelStorage(tmp_path),
        Resource("memoization"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    for states in STATE_HISTORIES * 2:
        assert speedups.create_feature_key(policy, states) == speedups.ORIGINAL_FEATURE_KEY(
            policy, states
        )


def test_slots_copy_as_the_copy_module_copies_them() -> None:
    project = Domain.load(str(PROJECT_DIR / "domain.yml"))
    other_types = [
        FloatSlot("f", [], initial_value=0.5, max_value=2.0),
        CategoricalSlot("c", [], values=["a", "b"], initial_value="a"),
        ListSlot("l", [], initial_value=["x"]),
        BooleanSlot("b", []),
        AnySlot("any", []),
    ]
    for slot in [*project.slots, *other_types]:
        ours = speedups.copy_slot(slot)
        # What copy.copy builds for a class without __copy__: the pickle-protocol path.
        generic = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]
        assert type(ours) is type(generic) is type(slot)
        assert ours.__dict__ == generic.__dict__
        ours.value = "changed"
        assert slot.value != "changed"
