"""bot/debug_copies.py: deep copies for debug lines only while debug lines are written."""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
from pathlib import Path

import pytest
import rasa
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy

from bot import debug_copies


def _debug_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "debug"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "structlogger"
    ]


@pytest.mark.parametrize("name", debug_copies.MODULES)
def test_the_modules_use_copy_only_in_their_debug_lines(name: str) -> None:
    tree = ast.parse(inspect.getsource(importlib.import_module(name)))
    uses = {
        id(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "copy"
    }
    in_debug_lines = {
        id(node)
        for call in _debug_calls(tree)
        for node in ast.walk(call)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "copy"
    }
    assert uses and uses == in_debug_lines


def test_copies_are_made_only_while_debug_lines_are_written() -> None:
    debug_copies.install()
    processor = importlib.import_module("rasa.core.processor")
    logger = logging.getLogger("rasa.core.processor")
    value = {"states": [{"user": {"intent": "greet"}}]}
    before = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert processor.copy.deepcopy(value) is value
        logger.setLevel(logging.DEBUG)
        copied = processor.copy.deepcopy(value)
        assert copied == value and copied is not value
        assert copied["states"][0] is not value["states"][0]
    finally:
        logger.setLevel(before)
    assert processor.copy.copy is __import__("copy").copy


def test_the_rule_policy_formats_states_only_for_its_debug_line() -> None:
    source_root = Path(rasa.__file__).parent
    callers = [
        path
        for path in source_root.rglob("*.py")
        if ".format_tracker_states(" in path.read_text(encoding="utf-8")
    ]
    assert callers == [source_root / "core" / "policies" / "rule_policy.py"]
    tree = ast.parse(callers[0].read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format_tracker_states"
    ]
    assert len(calls) == 1
    assigned = [
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and node.value is calls[0]
        for target in node.targets
        if isinstance(target, ast.Name)
    ]
    assert assigned == ["current_states"]
    read = {
        id(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name)
        and node.id == "current_states"
        and isinstance(node.ctx, ast.Load)
    }
    in_debug_lines = {
        id(node)
        for call in _debug_calls(tree)
        for node in ast.walk(call)
        if isinstance(node, ast.Name) and node.id == "current_states"
    }
    assert read and read == in_debug_lines

    debug_copies.install()
    states = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    logger = logging.getLogger("rasa.core.policies.rule_policy")
    before = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert RulePolicy.format_tracker_states(states) == ""
        logger.setLevel(logging.DEBUG)
        assert RulePolicy.format_tracker_states(states) == Policy.format_tracker_states(states)
        assert "user intent: greet" in RulePolicy.format_tracker_states(states)
    finally:
        logger.setLevel(before)
