"""Keeps Python's garbage collector off the objects a server loads once and keeps.

A Rasa worker holds about 580,000 Python objects that live as long as it does: the
model's TensorFlow and Keras objects, the domain, the vocabularies. The collector's
oldest generation walks all of them, and under the benchmark's load that happened every
few seconds in each worker and held its event loop for about 300 ms: the slowest
twentieth of the replies waited for it. Frozen after start-up, those objects are out
of the collector's sight; what the server allocates later is still collected as before.
After a model swap the worker thaws, collects the replaced model and freezes again: one
full collection, once per swap.
"""

from __future__ import annotations

import gc


def freeze_what_is_loaded() -> None:
    """Collects what start-up left behind, then freezes everything still alive."""
    gc.collect()
    gc.freeze()


def refreeze_after_swap() -> None:
    """Frozen objects are never collected: thawed first, the replaced model's are."""
    gc.unfreeze()
    freeze_what_is_loaded()
