"""Objects loaded before the freeze are out of the collector's sight; a swapped-out
model's cycles are collected once the server freezes again."""

from __future__ import annotations

import gc
import weakref

from bot import heap_freeze


class _Layer:
    """Stands in for a model object: like Keras layers, it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_a_replaced_models_objects_are_collected_after_the_swap() -> None:
    old_model = _Layer()
    old = weakref.ref(old_model)
    try:
        heap_freeze.freeze_what_is_loaded()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        del old_model
        gc.collect()
        assert old() is not None  # frozen: the collector does not look at it

        new_model = _Layer()
        heap_freeze.refreeze_after_swap()
        assert old() is None
        assert gc.get_freeze_count() > 0 and new_model.me is new_model
    finally:
        gc.unfreeze()


def test_objects_made_after_the_freeze_are_collected_as_before() -> None:
    try:
        heap_freeze.freeze_what_is_loaded()
        later = _Layer()
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
