"""DIET and the ResponseSelector trained side by side, each in a process of its own.

Rasa trains the graph's nodes one after the other. The two classifiers both need only
the featurized data, and took 31 and 25 s one after the other; side by side, each on one
core, they take 43 s together. When one of them is due and others are ready too, those
others are trained in forked children while this process trains the first. Threads would
not do: TensorFlow's random seed is global to a process, so two trainings in one process
would draw their random numbers in an order that depends on thread timing, and the same
data would not give the same model twice. Each child starts TensorFlow afresh and sets
its model's seed as Rasa does, so it draws the same initial weights and batches as a
training one after the other.

What is guaranteed: the same predictions (intent and FAQ entry) as a training one after
the other, with confidences within 1e-3, and weights within 1e-3 of each variable's
scale (tests/test_parallel_training.py; checked on AMD EPYC). Not the same bits: side
by side each training gets one core instead of two, and TensorFlow's CPU kernels add up
their float32 sums in an order that depends on the thread count and on the CPU. On AMD
EPYC the last bits of DIET's weights differ (at most 5e-5 of a variable's scale); with
the thread counts pinned (TF_INTRA_OP_PARALLELISM_THREADS=1 and
TF_INTER_OP_PARALLELISM_THREADS=1) the two ways gave the same bytes there too.

Forking is safe only while TensorFlow has run nothing in this process (its thread pools
would not survive the fork), which is the case when the first classifier is due: Rasa's
featurizers do not use it. Otherwise the trainings run one after the other as in Rasa.
A child writes its model into the same model storage and sends back only the small
`Resource` naming it; Rasa's training cache (SQLite and a folder) is written by this
process alone, for every node.
"""

from __future__ import annotations

import os
import pickle  # nosec B403: only our own forked children write to the pipe
import signal
import sys
import traceback
from typing import TYPE_CHECKING, Any

from rasa.engine.exceptions import GraphComponentException
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.training.hooks import TrainingHook
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from tensorflow.python.eager import context as tensorflow_context

from bot.background_validation import wait_for_validation

if TYPE_CHECKING:
    from bot.speedups import ExecutionOrder

THREAD_SETTINGS = {"TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"}
# What a node returns when called: (its name, its output).
NodeResult = tuple[str, Any]


def trains_tensorflow_model(runner: DaskGraphRunner, name: str) -> bool:
    """DIET and its subclasses (the ResponseSelector, our FaqSelector) in a train graph."""
    node = runner._graph_schema.nodes[name]
    return node.fn == "train" and issubclass(node.uses, DIETClassifier)


def train_side_by_side(
    runner: DaskGraphRunner, order: ExecutionOrder, values: dict[str, Any], first: str
) -> dict[str, NodeResult]:
    """Trains `first` here and every other ready TensorFlow training in a child."""
    # Both cores are for the trainings now, and an invalid project stops before them.
    wait_for_validation()
    needs_of = dict(order)
    nodes = runner._instantiated_nodes
    others = [
        name
        for name, needs in order
        if name != first
        and name not in values
        and trains_tensorflow_model(runner, name)
        and all(need in values or need not in needs_of for need in needs)
    ]

    if others and not _share_cores(1 + len(others)):
        others = []

    def arguments(name: str) -> list[Any]:
        # A name that is neither a node nor an input is passed as itself (dask's rule).
        return [values.get(need, need) for need in needs_of[name]]

    children: list[_Child] = []
    try:
        for name in others:
            children.append(_Child(nodes[name], arguments(name)))
        results = {first: nodes[first](*arguments(first))}
        for child in children:
            results[child.name] = child.result()
    finally:
        for child in children:
            child.stop()
    return results


def _share_cores(trainings: int) -> bool:
    """Gives each training its share of the cores; False if forking is not safe."""
    if tensorflow_context.context()._context_handle is not None:
        return False
    # Set explicitly (Rasa has applied them), the thread counts stay as they are.
    if not THREAD_SETTINGS & os.environ.keys():
        share = max(1, len(os.sched_getaffinity(0)) // trainings)
        tensorflow_context.context().intra_op_parallelism_threads = share
        tensorflow_context.context().inter_op_parallelism_threads = share
    return True


class _Child:
    """One node run in a forked process; this process runs its training cache hook."""

    def __init__(self, node: GraphNode, arguments: list[Any]) -> None:
        self.name = node._node_name
        self._node = node
        cache_hooks = [hook for hook in node._hooks if isinstance(hook, TrainingHook)]
        received: dict[str, Any] = dict(a for a in arguments if isinstance(a, tuple))
        kwargs = {parameter: received[provider] for parameter, provider in node._inputs.items()}
        context, config = node._execution_context, node._component_config
        self._cache_hooks = [
            (hook, hook.on_before_node(self.name, context, config, kwargs)) for hook in cache_hooks
        ]
        sys.stdout.flush()
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:
            os.close(read_end)
            node._hooks = [hook for hook in node._hooks if hook not in cache_hooks]
            _run_and_report(node, arguments, write_end)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")

    def result(self) -> NodeResult:
        try:
            ok, payload = pickle.load(self._pipe)  # nosec B301: our own child's report
        except EOFError:
            ok, payload = False, None
        finally:
            self._pipe.close()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
        if not ok:
            if payload is None:
                code = os.waitstatus_to_exitcode(status)
                payload = f"the process ended without a result (exit status {code})"
            raise GraphComponentException(
                f"Error training '{self.name}' in a process of its own: {payload}"
            )
        for hook, hook_data in self._cache_hooks:
            hook.on_after_node(
                self.name,
                self._node._execution_context,
                self._node._component_config,
                payload,
                hook_data,
            )
        return self.name, payload

    def stop(self) -> None:
        """Ends a child whose result will not be read (the other training failed)."""
        if self._pid:
            os.kill(self._pid, signal.SIGTERM)
            os.waitpid(self._pid, 0)
            self._pipe.close()
            self._pid = 0


def _run_and_report(node: GraphNode, arguments: list[Any], write_end: int) -> None:
    """The child's whole life: train, send (True, output) or (False, error), exit."""
    report: tuple[bool, Any]
    try:
        report = True, node(*arguments)[1]
    # Every failure, even an interrupt, goes back to the parent as its error.
    except BaseException as error:
        report = False, f"{error!r}\n{traceback.format_exc()}"
    try:
        with os.fdopen(write_end, "wb") as pipe:
            pickle.dump(report, pipe)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # No atexit handlers, no TensorFlow teardown: they belong to the parent.
        os._exit(0)
