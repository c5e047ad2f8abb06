"""Putting a model live: compare it with the live one, copy it in as a release, load it.

Exit codes: 0 done, 1 refused (accuracy, or nothing to roll back to), 2 could not try
(no model file, server unreachable or refusing the token, unreadable registry, busy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import Language
from bot.publishing.accuracy import (
    MAX_DROP_POINTS,
    Drop,
    drops,
    model_accuracy,
    parser_accuracy,
    score_keys,
    split_fingerprint,
    split_size,
)
from bot.publishing.archive import ModelFileError, model_id
from bot.publishing.messages import score_name
from bot.publishing.rasa_server import LiveModel, RasaServer, ServerError
from bot.publishing.registry import (
    Accuracy,
    Registry,
    RegistryBusy,
    RegistryError,
    Release,
    load_registry,
    locked,
)

OK, REFUSED, FAILED = 0, 1, 2

Say = Callable[..., None]


class _Reported(Exception):
    """A failure already explained to the editor."""


@dataclass(frozen=True)
class Setup:
    releases: Path
    split: Path
    server: RasaServer
    language: Language
    say: Say


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _points(value: float) -> str:
    return f"{value:.1f}"


def _guarded(setup: Setup, action: Callable[[], int]) -> int:
    """Run `action` under the releases lock, turning expected failures into messages."""
    say = setup.say
    try:
        with locked(setup.releases):
            return action()
    except _Reported:
        pass
    except RegistryBusy as error:
        say("busy", path=error.path)
    except RegistryError as error:
        say("registry_unreadable", path=error.path, detail=error.detail)
    except ModelFileError as error:
        say(error.key, path=error.path, detail=error.detail)
    except ServerError as error:
        if error.status is None:
            say("server_unreachable", url=error.url, detail=error.detail)
        elif error.unauthorized:
            say("server_unauthorized", url=error.url)
        else:
            say(
                "server_error",
                url=error.url,
                status=error.status,
                call=error.call,
                detail=error.detail,
            )
    return FAILED


def _live_accuracy(setup: Setup, registry: Registry, live: LiveModel, split: str) -> Accuracy:
    known = registry.accuracy_of(live.model_id, split)
    if known is not None:
        return known
    setup.say("measuring_live", count=split_size(setup.split))
    accuracy = parser_accuracy(setup.server.parse, setup.split)
    registry.remember(live.model_id, split, accuracy)
    registry.save()
    return accuracy


def _candidate_accuracy(
    setup: Setup, registry: Registry, model: Path, candidate_id: str, split: str
) -> Accuracy:
    known = registry.accuracy_of(candidate_id, split)
    if known is not None:
        return known
    setup.say("evaluating", path=model)
    try:
        accuracy = model_accuracy(model, setup.split)
    except Exception as error:  # Rasa and TensorFlow raise many kinds for a bad model
        # Exit code 2, not a traceback's 1, which would read as "refused".
        raise ModelFileError("model_unreadable", model, str(error)) from error
    registry.remember(candidate_id, split, accuracy)
    registry.save()
    return accuracy


def _show_scores(setup: Setup, live: Accuracy | None, new: Accuracy) -> None:
    setup.say("score_header")
    for key in score_keys(setup.split):
        name = score_name(setup.language, key)
        if live is None or key not in live:
            setup.say("score_line_new", language=name, new=_percent(new.get(key, 0.0)))
            continue
        delta = 100 * (new.get(key, 0.0) - live[key])
        setup.say(
            "score_line",
            language=name,
            live=_percent(live[key]),
            new=_percent(new.get(key, 0.0)),
            delta=f"{delta:+.1f}",
        )


def _drop_params(setup: Setup, drop: Drop) -> dict[str, Any]:
    return {
        "language": score_name(setup.language, drop.key),
        "drop": _points(drop.points),
        "live": _percent(drop.live),
        "new": _percent(drop.new),
        "limit": _points(MAX_DROP_POINTS),
    }


def _load(setup: Setup, registry: Registry, release: Release) -> None:
    """Load a release into the server and check that the server really runs it."""
    path = registry.file_of(release)
    setup.say("loading", path=path, url=setup.server.url)
    try:
        setup.server.load_model(path)
    except ServerError as error:
        if error.status is None or error.unauthorized:
            raise
        setup.say("load_failed", path=path, detail=error.detail)
        raise _Reported() from error
    live = setup.server.live_model()
    if live is None or live.model_id != release.model_id:
        setup.say(
            "wrong_model_live",
            got=live.model_id if live else "-",
            expected=release.model_id,
        )
        raise _Reported()


def publish(setup: Setup, model: Path, force: bool = False) -> int:
    def run() -> int:
        started = time.monotonic()
        registry = load_registry(setup.releases)
        candidate_id = model_id(model)
        split = split_fingerprint(setup.split)
        live = setup.server.live_model()
        live_accuracy = None
        if live is None:
            setup.say("no_live_model")
        else:
            if live.model_id == candidate_id:
                setup.say("same_model")
            live_accuracy = _live_accuracy(setup, registry, live, split)
        new_accuracy = _candidate_accuracy(setup, registry, model, candidate_id, split)
        _show_scores(setup, live_accuracy, new_accuracy)
        worse = drops(live_accuracy, new_accuracy) if live_accuracy else []
        if worse and not force:
            for drop in worse:
                setup.say("refused", **_drop_params(setup, drop))
            return REFUSED
        for drop in worse:
            setup.say("forced", **_drop_params(setup, drop))
        release = registry.add_release(model.resolve(), candidate_id, split, new_accuracy, force)
        try:
            _load(setup, registry, release)
        except (ServerError, _Reported):
            registry.discard(release)
            raise
        registry.live = release.id
        registry.prune()
        registry.save()
        setup.say("published", release=release.id, seconds=round(time.monotonic() - started))
        return OK

    return _guarded(setup, run)


def rollback(setup: Setup) -> int:
    """Load the release published before the live one; no accuracy check."""

    def run() -> int:
        started = time.monotonic()
        registry = load_registry(setup.releases)
        live = setup.server.live_model()
        # The server's own model decides what is live: `make run` may have restarted it
        # with another model since the registry was written.
        current = registry.release(registry.live)
        if live is not None and (current is None or current.model_id != live.model_id):
            current = registry.release_of_model(live.model_id)
        target = registry.previous(current)
        if target is None:
            setup.say("no_previous", count=len(registry.releases))
            return REFUSED
        if not registry.file_of(target).is_file():
            setup.say("release_missing", release=target.id, path=registry.file_of(target))
            return FAILED
        _load(setup, registry, target)
        registry.live = target.id
        registry.save()
        setup.say(
            "rolled_back",
            release=target.id,
            published=target.published_at,
            seconds=round(time.monotonic() - started),
        )
        return OK

    return _guarded(setup, run)
