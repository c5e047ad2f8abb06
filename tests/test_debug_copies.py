"""bot/debug_copies.py: deep copies for debug lines only while debug lines are written."""

from __future__ import annotations

import ast
import importlib
import inspect
import logging

import pytest

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
