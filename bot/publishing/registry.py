"""The published models: `models/releases/registry.json` and a copy of each model.

Each release keeps its model file (`<release>.tar.gz`, so retraining models/current.tar.gz
never changes what is live) and the accuracy it had when published (held-out split and
independent set, bot/publishing/accuracy.py). The registry also remembers the accuracy of
models it measured without publishing them (the live model a server was started with, a
refused candidate), keyed by model id and by a fingerprint of the scored files, so no
model is scored twice on the same sets.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.inbox.atomic_file import copy_atomically, write_text_atomically
from bot.stack import PROJECT_DIR

FORMAT_VERSION = 1
REGISTRY_FILE = "registry.json"
LOCK_FILE = ".lock"
KEEP_RELEASES = 5
# Measured-but-unpublished scores are a cache: a few are enough.
KEEP_MEASURED = 20

Accuracy = dict[str, float]


def releases_dir() -> Path:
    """EVA_RELEASES_DIR, else models/releases in the project."""
    return Path(os.environ.get("EVA_RELEASES_DIR") or PROJECT_DIR / "models" / "releases")


class RegistryError(Exception):
    """registry.json exists but cannot be used; `detail` says why."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


class RegistryBusy(Exception):
    """Another publish or rollback holds the lock."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


@dataclass
class Release:
    id: str
    file: str
    model_id: str
    source: str
    published_at: str
    split: str | None
    accuracy: Accuracy | None
    forced: bool = False


@dataclass
class Measurement:
    model_id: str
    split: str
    accuracy: Accuracy


@dataclass
class Registry:
    directory: Path
    live: str | None = None
    releases: list[Release] = field(default_factory=list)
    measured: list[Measurement] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.directory / REGISTRY_FILE

    def file_of(self, release: Release) -> Path:
        return self.directory / release.file

    def release(self, release_id: str | None) -> Release | None:
        return next((r for r in self.releases if r.id == release_id), None)

    def release_of_model(self, model_id: str | None) -> Release | None:
        """The newest release of a model (the same model may be published twice)."""
        return next((r for r in reversed(self.releases) if r.model_id == model_id), None)

    def accuracy_of(self, model_id: str, split: str) -> Accuracy | None:
        for release in reversed(self.releases):
            if release.model_id == model_id and release.split == split and release.accuracy:
                return dict(release.accuracy)
        for measurement in reversed(self.measured):
            if measurement.model_id == model_id and measurement.split == split:
                return dict(measurement.accuracy)
        return None

    def remember(self, model_id: str, split: str, accuracy: Accuracy) -> None:
        self.measured = [m for m in self.measured if (m.model_id, m.split) != (model_id, split)] + [
            Measurement(model_id, split, dict(accuracy))
        ]
        self.measured = self.measured[-KEEP_MEASURED:]

    def add_release(
        self,
        model: Path,
        model_id: str,
        split: str | None,
        accuracy: Accuracy | None,
        forced: bool,
        now: datetime | None = None,
    ) -> Release:
        """Copy the model in as a new release (not live yet: see `make_live`)."""
        moment = now or datetime.now(timezone.utc)
        base = moment.strftime("%Y%m%dT%H%M%SZ")
        release_id, number = base, 1
        taken = {r.id for r in self.releases}
        while release_id in taken or (self.directory / f"{release_id}.tar.gz").exists():
            number += 1
            release_id = f"{base}-{number}"
        release = Release(
            id=release_id,
            file=f"{release_id}.tar.gz",
            model_id=model_id,
            source=str(model),
            published_at=moment.isoformat(timespec="seconds"),
            split=split,
            accuracy=dict(accuracy) if accuracy else None,
            forced=forced,
        )
        copy_atomically(model, self.file_of(release))
        self.releases.append(release)
        return release

    def discard(self, release: Release) -> None:
        """Forget a release that never went live, with its file."""
        self.releases = [r for r in self.releases if r.id != release.id]
        with contextlib.suppress(FileNotFoundError):
            self.file_of(release).unlink()

    def previous(self, current: Release | None) -> Release | None:
        """The newest release published before `current` (before none: the newest)."""
        if current is None:
            return self.releases[-1] if self.releases else None
        index = next(i for i, r in enumerate(self.releases) if r.id == current.id)
        return self.releases[index - 1] if index > 0 else None

    def prune(self, keep: int = KEEP_RELEASES) -> list[Release]:
        """Drop all but the newest `keep` releases, never the live one; returns the dropped."""
        kept = self.releases[-keep:]
        live = self.release(self.live)
        if live is not None and live not in kept:
            kept = [live, *kept[1:]] if keep > 1 else [live]
        dropped = [r for r in self.releases if r not in kept]
        self.releases = [r for r in self.releases if r in kept]
        for release in dropped:
            with contextlib.suppress(FileNotFoundError):
                self.file_of(release).unlink()
        return dropped

    def to_json(self) -> str:
        document = {
            "format": FORMAT_VERSION,
            "live": self.live,
            "releases": [asdict(r) for r in self.releases],
            "measured": [asdict(m) for m in self.measured],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def save(self) -> None:
        write_text_atomically(self.path, self.to_json())


def _release(raw: Any) -> Release:
    if not isinstance(raw, dict):
        raise ValueError("a release must be an object")
    return Release(
        id=str(raw["id"]),
        file=str(raw["file"]),
        model_id=str(raw["model_id"]),
        source=str(raw.get("source", "")),
        published_at=str(raw.get("published_at", "")),
        split=raw.get("split"),
        accuracy=_accuracy(raw.get("accuracy")),
        forced=bool(raw.get("forced", False)),
    )


def _accuracy(raw: Any) -> Accuracy | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("accuracy must be an object of language: number")
    return {str(language): float(value) for language, value in raw.items()}


def _measurement(raw: Any) -> Measurement:
    if not isinstance(raw, dict):
        raise ValueError("a measurement must be an object")
    accuracy = _accuracy(raw["accuracy"])
    if accuracy is None:
        raise ValueError("a measurement needs its accuracy")
    return Measurement(str(raw["model_id"]), str(raw["split"]), accuracy)


def load_registry(directory: Path) -> Registry:
    """The registry in `directory`; an empty one when there is none yet."""
    registry = Registry(directory)
    if not registry.path.exists():
        return registry
    try:
        document = json.loads(registry.path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
            raise ValueError(f"expected an object with format {FORMAT_VERSION}")
        registry.live = document.get("live")
        registry.releases = [_release(raw) for raw in document.get("releases") or []]
        registry.measured = [_measurement(raw) for raw in document.get("measured") or []]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise RegistryError(registry.path, str(error)) from error
    return registry


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the releases folder's lock: one publish or rollback at a time."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RegistryBusy(path) from error
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
