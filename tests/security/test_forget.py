"""`eva forget` (issue #21): after it, nothing of the shopper is left: not in any Redis key
or value, not in the tickets' e-mail files, not in the logs, and every deletion left an
audit line that names the shopper only by digest. Other shoppers keep everything.

The data is written by our own code (tracker store, outbox, handoff queue, tickets,
review inbox, transcript audit) into a real Redis, the e-mails into a real outbox folder
and the log lines, through logging, into real log files; `eva forget` runs as the
command line runs it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cli.forget import AUDIT_FILE
from bot.cli.forget import main as eva_forget
from bot.inbox.capture import Candidate
from bot.inbox.store import InboxStore
from bot.outbox import Outbox
from bot.redis_server import RedisSettings
from bot.stack import PROJECT_DIR, free_port
from bot.tracker.keys import events_key
from bot.tracker.redis_store import AppendOnlyRedisTrackerStore
from handoff.audit import masked_id
from handoff.config import load_config
from handoff.forget import AUDIT_KEY
from handoff.queue import CLOSED, HandoffQueue
from handoff.reading_scope import audit_read
from handoff.rest_integrations import RestOwners
from handoff.retention import RetentionSettings
from handoff.tickets import EmlOutbox, create_ticket


@dataclass(frozen=True)
class Place:
    run_dir: Path
    outbox: Path
    logs: Path


@pytest.fixture
def place(tmp_path: Path, redis_settings: RedisSettings, monkeypatch: pytest.MonkeyPatch) -> Place:
    """What `make run` would have: a handoff.yml with its outbox folder, a logs folder."""
    outbox, logs = tmp_path / "outbox", tmp_path / "logs"
    logs.mkdir()
    config = yaml.safe_load((PROJECT_DIR / "handoff.yml").read_text(encoding="utf-8"))
    config["tickets"]["outbox"] = str(outbox)
    (tmp_path / "handoff.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    monkeypatch.setenv("HANDOFF_CONFIG", str(tmp_path / "handoff.yml"))
    monkeypatch.setenv("REDIS_URL", redis_settings.url)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    return Place(tmp_path, outbox, logs)


def shopper() -> tuple[str, str]:
    token = uuid.uuid4().hex[:10]
    return f"conv-{token}", f"Shopper.{token}@Example.com"


async def _leave_traces(settings: RedisSettings, place: Place, who: str, address: str) -> None:
    """A conversation as the servers leave it: tracker, messages, a handoff to an agent
    who read and closed it, a ticket with its e-mail, a review-inbox entry, log lines."""
    client = settings.async_client()
    store = AppendOnlyRedisTrackerStore(Domain.empty(), host=settings.host, port=settings.port)
    try:
        # Claimed by a REST integration before its first message, as the channel does.
        await RestOwners(client).owner(who, "helpdesk", RetentionSettings().seconds)
        tracker = DialogueStateTracker(who, [])
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"주문 확인해 주세요, 제 이메일은 {address} 이에요"))
        await store.save(tracker)
        await Outbox(client).append(who, {"role": "user", "text": f"my e-mail is {address}"})
        queue = HandoffQueue(client)
        await queue.enqueue(who, "ko", "ko", "Asia/Seoul", f"이메일 {address}")
        await queue.claim(who, "minji", 3, ("ko",))
        await audit_read(
            client, load_config(place.run_dir / "handoff.yml").agents["minji"], who, True
        )
        await queue.release(who, "minji", CLOSED, "answered")
        config = load_config(place.run_dir / "handoff.yml")
        await create_ticket(
            client,
            config.tickets,
            EmlOutbox(place.outbox),
            kind="message",
            conversation_id=who,
            language="ko",
            team="ko",
            contact=address,
            message="연락 부탁드려요",
            keep_seconds=RetentionSettings().seconds,
        )
        inbox = InboxStore(client)
        await inbox.record(Candidate("en", f"unmasked {address} slipped through", None, 0.1, True))
        await inbox.set_paused(who, True)
        logging.getLogger("handoff.widget_socket").warning(
            "socket of %s closed; shopper %s", who, address
        )
    finally:
        await store.redis.close()
        await client.close()


@pytest.fixture
def logs_to_files(place: Place) -> Iterator[None]:
    """The servers' logging, into files in the logs folder as `make run` writes them."""
    handler = logging.FileHandler(place.logs / "web.log", encoding="utf-8")
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def leave_traces(settings: RedisSettings, place: Place, who: str, address: str) -> None:
    asyncio.run(_leave_traces(settings, place, who, address))


def redis_text(settings: RedisSettings) -> Iterator[str]:
    """Every key of the Redis, and every value of it whatever its type."""
    client = settings.client()
    try:
        for raw_key in client.scan_iter(count=1000):
            key = raw_key.decode("utf-8", errors="replace")
            kind = client.type(raw_key).decode()
            values: object = None
            if kind == "string":
                values = client.get(raw_key)
            elif kind == "list":
                values = client.lrange(raw_key, 0, -1)
            elif kind == "hash":
                values = client.hgetall(raw_key)
            elif kind == "set":
                values = client.smembers(raw_key)
            elif kind == "zset":
                values = client.zrange(raw_key, 0, -1)
            elif kind == "stream":
                values = client.xrange(raw_key)
            yield key + " " + repr(values)
    finally:
        client.close()


def file_text(folder: Path) -> Iterator[tuple[Path, str]]:
    for path in folder.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes().decode("utf-8", errors="replace")


def left_behind(settings: RedisSettings, place: Place, *needles: str) -> list[str]:
    """Where any of `needles` (any case) still is: Redis, the outbox, the inbox, logs."""
    folded = [needle.casefold() for needle in needles]
    found = [
        text[:120] for text in redis_text(settings) if any(n in text.casefold() for n in folded)
    ]
    for folder in (place.outbox, place.logs):
        for path, text in file_text(folder):
            # The e-mail body is base64 or quoted-printable: search it decoded as well.
            if any(n in text.casefold() for n in folded) or any(
                n in _decoded(path).casefold() for n in folded
            ):
                found.append(str(path))
    return found


def _decoded(path: Path) -> str:
    if path.suffix != ".eml":
        return ""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))  # type: ignore[attr-defined]
    return str(body.get_content()) if body is not None else ""


def audit_lines(settings: RedisSettings) -> list[dict[str, Any]]:
    client = settings.client()
    try:
        return [json.loads(line) for line in client.lrange(AUDIT_KEY, 0, -1)]
    finally:
        client.close()


def test_forget_a_conversation_leaves_nothing_of_it(
    redis_settings, place, logs_to_files, capsys
) -> None:
    who, address = shopper()
    other, other_address = shopper()
    leave_traces(redis_settings, place, who, address)
    leave_traces(redis_settings, place, other, other_address)
    assert left_behind(redis_settings, place, who), "the traces were not written"

    status = eva_forget(["--conversation", who, "--run-dir", str(place.run_dir), "--lang", "en"])

    assert status == 0, capsys.readouterr()
    assert "Forgotten: 1 conversation(s), 1 ticket(s)" in capsys.readouterr().out
    assert left_behind(redis_settings, place, who) == []
    # The bystander keeps everything.
    assert left_behind(redis_settings, place, other)
    client = redis_settings.client()
    assert client.llen(events_key(other)) == 2
    client.close()
    assert len(list(place.outbox.glob("*.eml"))) == 1
    # Each deletion has its audit line, with the conversation only as a digest.
    mine = [line for line in audit_lines(redis_settings) if masked_id(who) in line["forget"]]
    assert {line["deleted"] for line in mine} >= {"redis_key", "redis_element", "file", "log_lines"}
    assert sum(1 for line in mine if line["deleted"] == "redis_key") >= 6
    on_disk = (place.logs / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(on_disk) == len(mine)
    # The earlier transcript-read audit stays: it has only the digest too.
    assert any(masked_id(who) in text for text in redis_text(redis_settings))


def test_forget_an_email_forgets_every_conversation_that_mentions_it(
    redis_settings, place, logs_to_files, capsys
) -> None:
    who, address = shopper()
    second, _ = shopper()
    other, other_address = shopper()
    leave_traces(redis_settings, place, who, address)
    # The same shopper again, in another conversation, leaving the address in other case.
    leave_traces(redis_settings, place, second, address.upper())
    leave_traces(redis_settings, place, other, other_address)

    status = eva_forget(
        ["--email", address.lower(), "--run-dir", str(place.run_dir), "--lang", "ko"]
    )

    assert status == 0, capsys.readouterr()
    assert "지웠어요: 대화 2개, 티켓 2개" in capsys.readouterr().out
    assert left_behind(redis_settings, place, address, who, second) == []
    assert left_behind(redis_settings, place, other, other_address)


@pytest.mark.parametrize(
    ("args", "language", "expected"),
    [
        ([], "en", "Name what to forget"),
        (["--email", "not-an-address"], "en", "is not an e-mail address"),
        (["--email", "a@b"], "ko", "이메일 주소가 아니에요"),
        (["--conversation", ""], "en", "is not a conversation id"),
        (["--conversation", "two\nlines"], "ko", "대화 ID가 아니에요"),
        (["--conversation", "x" * 129], "en", "is not a conversation id"),
    ],
)
def test_bad_input_is_answered_in_the_chosen_language(place, capsys, args, language, expected):
    status = eva_forget([*args, "--run-dir", str(place.run_dir), "--lang", language])

    assert status == 2
    assert expected in capsys.readouterr().err


def test_an_unknown_conversation_is_said_to_be_unknown(place, capsys) -> None:
    unknown = f"conv-{uuid.uuid4().hex}"

    status = eva_forget(
        ["--conversation", unknown, "--run-dir", str(place.run_dir), "--lang", "en"]
    )

    assert status == 1
    assert "Nothing was found for 1 subject(s)" in capsys.readouterr().err


def test_redis_down_is_said_plainly_and_nothing_is_deleted(place, capsys, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")

    status = eva_forget(
        ["--conversation", "conv-1", "--run-dir", str(place.run_dir), "--lang", "ko"]
    )

    assert status == 1
    err = capsys.readouterr().err
    assert "Redis에 연결할 수 없어요" in err and "아무것도 지우지 않았어요" in err
