"""Replacing a file so that a reader sees the old version or the new one, never half.

Used for the training files the review inbox appends to and for the release registry.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# rw-r--r--: mkstemp's private 0600 would hide a training file from a shared checkout.
NEW_FILE_MODE = 0o644


def _fsync_directory(directory: Path) -> None:
    # The rename itself must reach the disk too, or a crash can bring the old name back.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_with(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    # In the same folder, so os.replace is a rename within one file system.
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            # Keep the file's permissions: a group-writable data file stays so.
            shutil.copymode(path, temporary)
        else:
            # mkstemp makes 0600; a new file gets what any other new file would.
            os.chmod(temporary, NEW_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def write_text_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text to `path` through a temporary file, fsync and rename."""
    data = text.encode("utf-8")
    _replace_with(path, lambda handle: handle.write(data))


def copy_atomically(source: Path, target: Path) -> None:
    """Copy a (large) file so that `target` appears complete or not at all."""
    with source.open("rb") as reader:
        _replace_with(target, lambda handle: shutil.copyfileobj(reader, handle, 1024 * 1024))
