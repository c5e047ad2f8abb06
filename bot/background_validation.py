"""`rasa train`'s data validation run in a forked process while the training starts.

Stock `rasa train` first validates the domain, NLU data and stories (about 5 s here,
on one core), then reads the same files again and trains. The training's first 15 s
(reading the data, tokenizing, featurizing) are single-threaded Python too, so on two
cores the validation can run beside them for free. The outcome stays Rasa's: the
validator prints what it finds, and when it finds errors the training stops with exit
status 1 and writes no model. The training waits for the verdict before its
TensorFlow trainings start (the validation's core is needed then, and a failing
project should stop before the long part) and, at the latest, before it writes the
model package. The model is the one stock `rasa train` gives, but for the order of one
list, the RulePolicy's rules that no story uses: Rasa builds it from a set and only
looks things up in it, and the set's order changes with what ran before in the process.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from typing import Any

import rasa.cli.train
import rasa.cli.utils
import rasa.shared.utils.cli
from rasa.engine.storage.local_model_storage import LocalModelStorage

_run_training = rasa.cli.train.run_training
_validate_files_in_this_process = rasa.cli.utils.validate_files
_create_model_package = LocalModelStorage.create_model_package
# The validation still running, if any: its process id.
_running: list[int] = []


def validate_files_in_background(*args: Any, **kwargs: Any) -> None:
    """`rasa.cli.utils.validate_files`, started in a child; `wait_for_validation` ends it."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            _validate_files_in_this_process(*args, **kwargs)
            status = 0
        # Rasa reports failed validation with sys.exit(1); sys.exit() means success.
        except SystemExit as exit_request:
            code = exit_request.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            # No atexit handlers: they belong to the training process.
            os._exit(status)
    _running.append(pid)


def wait_for_validation() -> None:
    """Returns once the validation has passed; exits as Rasa does if it failed."""
    while _running:
        pid = _running.pop()
        _, wait_status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(wait_status) != 0:
            rasa.shared.utils.cli.print_error_and_exit(
                "Training stopped: the project's validation found errors (see above)."
            )


def _stop_validation() -> None:
    """The training ended first (an error, an interrupt): the validation ends with it."""
    while _running:
        pid = _running.pop()
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)


def create_model_package_once_valid(self: LocalModelStorage, *args: Any, **kwargs: Any) -> Any:
    """`LocalModelStorage.create_model_package`, only for a project that passed validation."""
    wait_for_validation()
    return _create_model_package(self, *args, **kwargs)


def run_training_validating_alongside(args: argparse.Namespace, can_exit: bool = False) -> Any:
    """`rasa.cli.train.run_training` with the validation in the background."""
    rasa.cli.utils.validate_files = validate_files_in_background
    try:
        return _run_training(args, can_exit)
    finally:
        rasa.cli.utils.validate_files = _validate_files_in_this_process
        _stop_validation()


def install() -> None:
    rasa.cli.train.run_training = run_training_validating_alongside
    LocalModelStorage.create_model_package = create_model_package_once_valid  # type: ignore[method-assign]
