"""`eva train`, `eva publish` and `eva rollback`.

Against the real running stack: publishing swaps the model while shoppers keep
talking (no request fails), a deliberately worse model is refused and the server keeps
the old one, and a rollback loads the previous release. The model published is the
session's own model file, so the rest of the test session talks to the same model.
The logic around them (registry, refusal, messages, when to train) is tested without
a server.
"""

from __future__ import annotations

import io
import json
import os
import re
import string
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.cli import train
from bot.language import Language
from bot.publishing import publisher
from bot.publishing.accuracy import drops, score_keys, split_size
from bot.publishing.messages import MESSAGES, printer
from bot.publishing.publisher import Setup
from bot.publishing.rasa_server import LiveModel, RasaServer
from bot.publishing.registry import KEEP_RELEASES, load_registry
from bot.stack import PROJECT_DIR, free_port
from tests.conftest import RunningBot

SPLIT = PROJECT_DIR / "tests" / "nlu"
# A model that honestly scores worse, cheaply: our tokenizer and one epoch of a small
# DIET, trained on the small-talk examples only (5 of the 13 intents, no FAQ).
WORSE_CONFIG = """\
recipe: default.v1
language: ko
assistant_id: eva-worse
pipeline:
  - name: bot.nlu.ko_en_tokenizer.KoEnTokenizer
  - name: bot.nlu.language_detector.LanguageDetector
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 1
    number_of_transformer_layers: 0
    entity_recognition: false
    random_seed: 1
  - name: FallbackClassifier
    threshold: 0.5
policies: []
"""
CLI_TIMEOUT = 900


# --- helpers --------------------------------------------------------------------------


def _environment(releases: Path, secret: str = "") -> dict[str, str]:
    """The CLI's environment; `secret` the server's RASA_API_TOKEN, which is where a
    publisher keeps it: a --token on the command line would show in `ps`."""
    return {
        **os.environ,
        **({"RASA_API_TOKEN": secret} if secret else {}),
        "EVA_RELEASES_DIR": str(releases),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def _eva(bot: RunningBot, releases: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot.cli.main", *args, "--server", bot.rasa_url]
    return subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=_environment(releases, bot.stack.rasa_api_token),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def _live(bot: RunningBot) -> LiveModel:
    live = RasaServer(bot.rasa_url, bot.stack.rasa_api_token).live_model()
    assert live is not None
    return live


def _post(url: str, payload: Any, timeout: float) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@dataclass
class Turn:
    started: float
    ended: float
    ok: bool
    detail: str


class Shoppers:
    """Threads that keep sending REST messages, each waiting for its replies."""

    MESSAGES = ("안녕하세요", "hello", "배송 언제 와요?", "thank you", "환불 규정 알려주세요")

    def __init__(self, bot: RunningBot, count: int = 2) -> None:
        self.url = f"{bot.rasa_url}/webhooks/rest/webhook"
        self.turns: list[Turn] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._talk, args=(n,)) for n in range(count)]
        self.started = False

    def _talk(self, number: int) -> None:
        index = 0
        while not self.stop.is_set():
            text = self.MESSAGES[index % len(self.MESSAGES)]
            started = time.monotonic()
            try:
                # Rasa answers nothing while it builds the new model: wait it out.
                status, body = _post(
                    self.url, {"sender": f"swap-{number}-{index}", "message": text}, 600
                )
                ok = status == 200 and isinstance(body, list) and len(body) > 0
                detail = f"{text!r}: HTTP {status} {body!r}"
            except Exception as error:
                ok, detail = False, f"{text!r}: {error!r}"
            self.turns.append(Turn(started, time.monotonic(), ok, detail))
            index += 1

    def start(self) -> None:
        self.started = True
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        if self.started:
            for thread in self.threads:
                thread.join(timeout=660)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("releases")


@pytest.fixture(scope="module")
def worse_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("worse")
    data = folder / "data"
    data.mkdir()
    for language in ("ko", "en"):
        source = PROJECT_DIR / "data" / "nlu" / language / "smalltalk.yml"
        (data / f"{language}_smalltalk.yml").write_bytes(source.read_bytes())
    (folder / "config.yml").write_text(WORSE_CONFIG, encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "nlu",
            "--config",
            str(folder / "config.yml"),
            "--nlu",
            str(data),
            "--out",
            str(folder),
            "--fixed-model-name",
            "worse",
        ],
        cwd=PROJECT_DIR,
        env={**_environment(folder), "RASA_CACHE_DIRECTORY": str(folder / "cache")},
        capture_output=True,
        check=True,
        timeout=600,
    )
    return folder / "worse.tar.gz"


# --- against the running stack --------------------------------------------------------


def test_publishing_swaps_the_model_while_shoppers_keep_talking(
    bot: RunningBot, model_path: Path, releases: Path
) -> None:
    before = _live(bot)
    command = [sys.executable, "-m", "bot.cli.main", "publish", "--model", str(model_path)]
    command += ["--server", bot.rasa_url, "--lang", "en"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=_environment(releases, bot.stack.rasa_api_token),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    shoppers = Shoppers(bot)
    swapped_at = None
    try:
        for line in process.stdout:
            output.append(line)
            # Traffic from the moment the model is loaded, not during the scoring.
            if line.startswith("Loading ") and not shoppers.started:
                shoppers.start()
        process.wait(timeout=CLI_TIMEOUT)
        swapped_at = time.monotonic()
        time.sleep(2.0)
    finally:
        shoppers.finish()
        if process.poll() is None:
            process.kill()
    text = "".join(output)
    assert process.returncode == 0, text
    assert "Published release" in text

    registry = load_registry(releases)
    live_release = registry.release(registry.live)
    assert live_release is not None and registry.file_of(live_release).is_file()
    assert set(live_release.accuracy or {}) == {"ko", "en", "independent/ko", "independent/en"}
    after = _live(bot)
    assert after.model_id == before.model_id
    assert after.file == live_release.file != before.file

    failed = [turn.detail for turn in shoppers.turns if not turn.ok]
    assert not failed, failed
    assert swapped_at is not None
    assert any(turn.started < swapped_at for turn in shoppers.turns), "no traffic during load"
    assert any(turn.started > swapped_at for turn in shoppers.turns), "no traffic after it"


def test_a_worse_model_is_refused_and_the_old_one_stays_live(
    bot: RunningBot, worse_model: Path, releases: Path
) -> None:
    before = _live(bot)
    result = _eva(bot, releases, "publish", "--model", str(worse_model), "--lang", "en")
    assert result.returncode == 1, result.stdout + result.stderr
    refusal = re.search(
        r"Not published: (Korean|English) intent accuracy would drop by (\d+\.\d) points",
        result.stdout,
    )
    assert refusal is not None, result.stdout
    assert float(refusal.group(2)) > 1.0
    # In Korean too; the candidate's score is remembered, so this is quick.
    korean = _eva(bot, releases, "publish", "--model", str(worse_model), "--lang", "ko")
    assert korean.returncode == 1
    assert re.search(
        r"배포하지 않았어요: (한국어|영어) 의도 정확도가 \d+\.\d점 떨어져요", korean.stdout
    )

    assert _live(bot) == before
    parsed = RasaServer(bot.rasa_url, bot.stack.rasa_api_token).parse("주문 취소하고 싶어요")
    assert parsed["intent"]["name"] == "cancel_order"
    # Nothing was copied in for the refused model.
    assert sorted(p.name for p in releases.glob("*.tar.gz")) == sorted(
        r.file for r in load_registry(releases).releases
    )


def test_rollback_loads_the_release_before_the_live_one(
    bot: RunningBot, model_path: Path, releases: Path
) -> None:
    if load_registry(releases).live is None:
        published = _eva(bot, releases, "publish", "--model", str(model_path), "--lang", "en")
        assert published.returncode == 0, published.stdout + published.stderr
    registry = load_registry(releases)
    live = registry.release(registry.live)
    assert live is not None
    # An earlier release (of the same model, so the session's other tests do not notice),
    # as if published before the live one: one model load less than publishing twice.
    earlier = registry.add_release(model_path, live.model_id, live.split, live.accuracy, False)
    registry.releases = [earlier, *(r for r in registry.releases if r is not earlier)]
    registry.save()

    result = _eva(bot, releases, "rollback", "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Rolled back to release {earlier.id}" in result.stdout
    assert _live(bot).file == earlier.file
    assert load_registry(releases).live == earlier.id


def test_a_wrong_token_or_no_earlier_release_is_explained(
    bot: RunningBot, model_path: Path, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "bot.cli.main", "rollback", "--lang", "en"]
    # --token still names the secret (it overrides RASA_API_TOKEN); this one signs
    # JWTs the server refuses.
    command += ["--server", bot.rasa_url, "--token=not-the-token"]
    wrong = subprocess.run(
        command, cwd=PROJECT_DIR, env=_environment(tmp_path), capture_output=True, text=True
    )
    assert wrong.returncode == 2
    assert "refused the API token" in wrong.stdout
    nothing = _eva(bot, tmp_path, "rollback", "--lang", "ko")
    assert nothing.returncode == 1
    assert "되돌릴 이전 배포가 없어요" in nothing.stdout


# --- without a server -----------------------------------------------------------------


def _fake_model(path: Path, model_id: str) -> Path:
    """A model archive as far as publishing looks at it: its metadata.json."""
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps({"model_id": model_id}).encode()
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


class FakeServer(RasaServer):
    def __init__(self, live: str | None) -> None:
        super().__init__("http://fake", "t")
        self.live = live
        self.loaded: list[Path] = []

    def live_model(self) -> LiveModel | None:
        return None if self.live is None else LiveModel(f"{self.live}.tar.gz", self.live)

    def load_model(self, path: Path) -> None:
        self.loaded.append(path)
        with tarfile.open(path) as archive:
            handle = archive.extractfile("metadata.json")
            assert handle is not None
            self.live = json.loads(handle.read())["model_id"]


@pytest.fixture
def scores(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, float]]:
    """Accuracy by model id, instead of loading models."""
    table: dict[str, dict[str, float]] = {}

    def of_file(model: Path, split: Path) -> dict[str, float]:
        with tarfile.open(model) as archive:
            handle = archive.extractfile("metadata.json")
            assert handle is not None
            return table[json.loads(handle.read())["model_id"]]

    monkeypatch.setattr(publisher, "model_accuracy", of_file)
    monkeypatch.setattr(publisher, "split_size", lambda split: 0)
    return table


def _setup(tmp_path: Path, server: RasaServer, out: io.StringIO, lang: Language = "en") -> Setup:
    return Setup(tmp_path / "releases", SPLIT, server, lang, printer(lang, out))


def test_publish_refuses_a_drop_of_more_than_one_point_unless_forced(
    tmp_path: Path, scores: dict[str, dict[str, float]]
) -> None:
    old = _fake_model(tmp_path / "old.tar.gz", "old")
    new = _fake_model(tmp_path / "new.tar.gz", "new")
    scores.update({"old": {"ko": 0.90, "en": 0.95}, "new": {"ko": 0.885, "en": 0.96}})
    server = FakeServer(None)
    out = io.StringIO()
    assert publisher.publish(_setup(tmp_path, server, out), old) == publisher.OK
    assert server.live == "old"
    out = io.StringIO()
    assert publisher.publish(_setup(tmp_path, server, out, "ko"), new) == publisher.REFUSED
    assert "한국어 의도 정확도가 1.5점 떨어져요(90.0 % → 88.5 %)" in out.getvalue()
    assert server.live == "old"
    out = io.StringIO()
    assert publisher.publish(_setup(tmp_path, server, out), new, force=True) == publisher.OK
    assert "Publishing anyway (--force), although Korean drops by 1.5 points." in out.getvalue()
    assert server.live == "new"
    registry = load_registry(tmp_path / "releases")
    assert [r.model_id for r in registry.releases] == ["old", "new"]
    assert registry.releases[-1].forced


def test_a_drop_of_exactly_one_point_is_allowed() -> None:
    assert drops({"ko": 0.90, "en": 0.95}, {"ko": 0.89, "en": 0.95}) == []
    [drop] = drops({"ko": 0.90, "en": 0.95}, {"ko": 0.90, "en": 0.9399})
    assert drop.key == "en"
    assert drop.points == pytest.approx(1.01)


def test_a_model_worse_only_on_the_independent_set_is_refused(
    tmp_path: Path, scores: dict[str, dict[str, float]]
) -> None:
    """Issue #20: the held-out split was written with the training data, so a model can
    gain there by memory while it loses on words nobody here wrote."""
    old = _fake_model(tmp_path / "old.tar.gz", "old")
    new = _fake_model(tmp_path / "new.tar.gz", "new")
    held_out = {"ko": 0.92, "en": 0.96}
    scores["old"] = held_out | {"independent/ko": 0.88, "independent/en": 0.87}
    scores["new"] = {"ko": 0.95, "en": 0.97, "independent/ko": 0.88, "independent/en": 0.84}
    server = FakeServer(None)
    assert publisher.publish(_setup(tmp_path, server, io.StringIO()), old) == publisher.OK
    refusals: tuple[tuple[Language, str], ...] = (
        ("en", "English, independent set intent accuracy would drop by 3.0 points"),
        ("ko", "영어, 독립 평가 세트 의도 정확도가 3.0점 떨어져요(87.0 % → 84.0 %)"),
    )
    for lang, said in refusals:
        out = io.StringIO()
        assert publisher.publish(_setup(tmp_path, server, out, lang), new) == publisher.REFUSED
        assert said in out.getvalue()
        assert server.live == "old"
    # A registry from before the independent set was scored compares the split alone.
    assert drops(held_out, scores["new"]) == []


def test_both_sets_are_scored_and_fingerprinted() -> None:
    assert score_keys(SPLIT) == ["ko", "en", "independent/ko", "independent/en"]
    assert split_size(SPLIT) > 1300


def test_the_live_model_is_scored_through_the_server_once(
    tmp_path: Path, scores: dict[str, dict[str, float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def through_server(parse: Any, split: Path) -> dict[str, float]:
        calls.append("server")
        return {"ko": 0.9, "en": 0.9}

    monkeypatch.setattr(publisher, "parser_accuracy", through_server)
    scores["new"] = {"ko": 0.95, "en": 0.95}
    new = _fake_model(tmp_path / "new.tar.gz", "new")
    server = FakeServer("started-with")
    assert publisher.publish(_setup(tmp_path, server, io.StringIO()), new) == publisher.OK
    server.live = "started-with"
    assert publisher.publish(_setup(tmp_path, server, io.StringIO()), new) == publisher.OK
    assert calls == ["server"]


def test_only_the_last_releases_are_kept_and_rollback_walks_back(
    tmp_path: Path, scores: dict[str, dict[str, float]]
) -> None:
    server = FakeServer(None)
    for number in range(KEEP_RELEASES + 2):
        scores[f"m{number}"] = {"ko": 0.9, "en": 0.9}
        model = _fake_model(tmp_path / f"m{number}.tar.gz", f"m{number}")
        assert publisher.publish(_setup(tmp_path, server, io.StringIO()), model) == publisher.OK
    registry = load_registry(tmp_path / "releases")
    assert [r.model_id for r in registry.releases] == [f"m{n}" for n in range(2, 7)]
    assert sorted(p.name for p in (tmp_path / "releases").glob("*.tar.gz")) == sorted(
        r.file for r in registry.releases
    )
    out = io.StringIO()
    assert publisher.rollback(_setup(tmp_path, server, out)) == publisher.OK
    assert server.live == "m5"
    assert publisher.rollback(_setup(tmp_path, server, io.StringIO())) == publisher.OK
    assert server.live == "m4"
    scores["m7"] = {"ko": 0.9, "en": 0.9}
    model = _fake_model(tmp_path / "m7.tar.gz", "m7")
    assert publisher.publish(_setup(tmp_path, server, io.StringIO()), model) == publisher.OK
    kept = [r.model_id for r in load_registry(tmp_path / "releases").releases]
    assert kept == ["m3", "m4", "m5", "m6", "m7"]


def test_an_unreachable_server_and_a_missing_model_are_explained(tmp_path: Path) -> None:
    server = RasaServer(f"http://127.0.0.1:{free_port()}", None)
    model = _fake_model(tmp_path / "m.tar.gz", "m")
    out = io.StringIO()
    assert publisher.publish(_setup(tmp_path, server, out), model) == publisher.FAILED
    assert "Cannot reach the Rasa server" in out.getvalue()
    out = io.StringIO()
    missing = tmp_path / "nope.tar.gz"
    assert publisher.publish(_setup(tmp_path, server, out, "ko"), missing) == publisher.FAILED
    assert "모델 파일이 없어요" in out.getvalue()
    (tmp_path / "bad.tar.gz").write_bytes(b"not a model")
    out = io.StringIO()
    assert publisher.publish(_setup(tmp_path, server, out), tmp_path / "bad.tar.gz") == 2
    assert "not a Rasa model archive" in out.getvalue()


def test_an_unreadable_registry_is_explained_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "releases").mkdir()
    registry = tmp_path / "releases" / "registry.json"
    registry.write_text("{broken", encoding="utf-8")
    out = io.StringIO()
    server = FakeServer("x")
    model = _fake_model(tmp_path / "m.tar.gz", "m")
    assert publisher.publish(_setup(tmp_path, server, out), model) == publisher.FAILED
    assert "release registry cannot be read" in out.getvalue()
    assert registry.read_text(encoding="utf-8") == "{broken"


def test_every_message_exists_in_both_languages() -> None:
    assert MESSAGES["ko"].keys() == MESSAGES["en"].keys()
    for key, english in MESSAGES["en"].items():
        assert _placeholders(MESSAGES["ko"][key]) == _placeholders(english), key


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- eva train ------------------------------------------------------------------------


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    commands: list[list[str]] = []

    def call(command: list[str], **_: Any) -> int:
        commands.append(command)
        return 0

    monkeypatch.setattr(subprocess, "call", call)
    return commands


def _age(path: Path, days: float) -> None:
    moment = (datetime.now(timezone.utc) - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


def test_train_does_nothing_when_the_model_is_newer_than_its_inputs(
    tmp_path: Path, no_training: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "current.tar.gz").write_bytes(b"model")
    assert train.main(["--out", str(tmp_path), "--lang", "en"]) == 0
    assert no_training == []
    assert "nothing to train" in capsys.readouterr().out


def test_train_reuses_the_cache_unless_component_code_changed(
    tmp_path: Path, no_training: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "current.tar.gz"
    model.write_bytes(b"model")
    newest_code = max(p.stat().st_mtime for p in train.component_code(PROJECT_DIR))
    newest_data = max(p.stat().st_mtime for p in train.model_inputs(PROJECT_DIR))
    # Between the code and the data: only the data changed since this model.
    if newest_data > newest_code:
        moment = (newest_code + newest_data) / 2
        os.utime(model, (moment, moment))
        assert train.main(["--out", str(tmp_path), "--lang", "en"]) == 0
        assert "--force" not in no_training[-1]
        assert "reuses the unchanged steps" in capsys.readouterr().out
    _age(model, 365 * 50)
    assert train.main(["--out", str(tmp_path), "--lang", "ko"]) == 0
    command = no_training[-1]
    assert command[1:4] == ["-m", "bot.server", "train"] and command[-1] == "--force"
    assert command[command.index("--fixed-model-name") + 1] == "current"
    output = capsys.readouterr().out
    assert "처음부터 학습해요" in output and "학습을 마쳤어요" in output


@pytest.fixture(autouse=True)
def _never_touch_the_real_releases(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("EVA_RELEASES_DIR", str(tmp_path / "default-releases"))
    yield
