"""The review inbox: masking, capture by the event broker (real Redis), the append to
data/nlu/<lang>/inbox.yml (atomic, no duplicates, bad input refused in ko and en) and
the editor's JSON API on a real web service process (no Rasa needed)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.utils.endpoints import EndpointConfig

from bot.faq.store import FaqStore
from bot.inbox.broker import InboxEventBroker
from bot.inbox.capture import Candidate, candidate
from bot.inbox.catalog import Catalog, domain_path, load_catalog
from bot.inbox.errors import MESSAGES, Rejected
from bot.inbox.masking import ORDER_ID_PATTERN, mask_personal_data
from bot.inbox.store import InboxStore, item_id
from bot.inbox.training_file import append_example, inbox_path
from bot.redis_server import RedisSettings
from bot.stack import PROJECT_DIR
from handoff.auth import SESSION_COOKIE
from handoff.passwords import hash_password
from handoff.web_security import csrf_token
from tests.handoff_setup import write_handoff_config
from tests.web_client import Answer, request
from tests.web_service import web_service

# Databases of their own: the other tests' conversations must not show up in the inbox.
BROKER_DB_OFFSET = 10
WEB_DB_OFFSET = 11
PASSWORD = "pw-inbox"


# --- masking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("제 메일은 kim.minji+shop@example.co.kr 이에요", "제 메일은 <email> 이에요"),
        ("a@b.com이에요", "<email>이에요"),
        ("010-1234-5678로 연락주세요", "<phone>로 연락주세요"),
        ("01012345678", "<phone>"),
        ("call me on +82 10 1234 5678 please", "call me on <phone> please"),
        ("(415) 555-0132", "<phone>"),
        ("주문번호 8100203948571234 어디까지 왔나요", "주문번호 <order_id> 어디까지 왔나요"),
        ("order 5019283746 is late", "order <order_id> is late"),
        ("8100203948571234번", "<order_id>번"),
        # Two numbers run together are masked whole rather than half.
        ("010-1234-5678 8100203948571234", "<phone>"),
        ("2개 주문했는데 1개만 왔어요", "2개 주문했는데 1개만 왔어요"),
        ("qwzx blorp fnord", "qwzx blorp fnord"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_order_numbers_are_masked_with_the_nlu_regex() -> None:
    document = yaml.safe_load((PROJECT_DIR / "data/nlu/order_id.yml").read_text("utf-8"))
    [regex] = [item for item in document["nlu"] if item.get("regex") == "order_id"]
    patterns = [line.lstrip("- ").strip() for line in regex["examples"].splitlines()]
    assert patterns == [ORDER_ID_PATTERN]


# --- capture --------------------------------------------------------------------------


def _user_event(
    text: str,
    intent: str = "nlu_fallback",
    confidence: float = 0.5,
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    sender: str = "shopper-1",
) -> dict[str, Any]:
    return {
        "event": "user",
        "sender_id": sender,
        "text": text,
        "metadata": metadata or {},
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [
                {"name": name, "confidence": value}
                for name, value in (ranking or [(intent, confidence)])
            ],
            "entities": entities if entities is not None else [],
        },
    }


def _language(value: str) -> dict[str, Any]:
    return {"entity": "language", "value": value}


def test_a_fallback_is_captured_with_the_bots_best_guess() -> None:
    event = _user_event(
        "qwzx blorp fnord",
        ranking=[("nlu_fallback", 0.5), ("greet", 0.31), ("thank", 0.2)],
        entities=[_language("en")],
    )
    assert candidate(event, 0.6) == Candidate("en", "qwzx blorp fnord", "greet", 0.31, True)


def test_low_confidence_is_captured_and_high_confidence_is_not() -> None:
    unsure = _user_event("배송 언제쯤", "order_status", 0.42, entities=[_language("ko")])
    assert candidate(unsure, 0.6) == Candidate("ko", "배송 언제쯤", "order_status", 0.42, False)
    sure = _user_event("배송 언제 와요", "order_status", 0.93, entities=[_language("ko")])
    assert candidate(sure, 0.6) is None
    assert candidate(sure, 0.95) is not None


def test_out_of_scope_is_captured_however_sure_the_bot_was() -> None:
    event = _user_event(
        "what is the meaning of life", "out_of_scope", 1.0, entities=[_language("en")]
    )
    found = candidate(event, 0.6)
    assert found == Candidate("en", "what is the meaning of life", "out_of_scope", 1.0, False)
    assert candidate(event, 0.6, capture_intents=frozenset()) is None


def test_an_faq_question_with_an_unsure_entry_is_captured() -> None:
    event = _user_event("반품 택배비 누가 내요", "faq", 0.97, entities=[_language("ko")])
    selector = {"faq": {"response": {"intent_response_key": "faq/return_cost", "confidence": 0.4}}}
    event["parse_data"]["response_selector"] = selector
    assert candidate(event, 0.6) == Candidate(
        "ko", "반품 택배비 누가 내요", "faq/return_cost", 0.4, False
    )
    selector["faq"]["response"]["confidence"] = 0.9
    assert candidate(event, 0.6) is None


def test_buttons_input_issues_and_other_events_are_not_nlu_misses() -> None:
    assert candidate(_user_event("/affirm", entities=[_language("en")]), 0.6) is None
    flagged = _user_event(
        "😀😀😀", entities=[_language("ko"), {"entity": "input_issue", "value": "no_text"}]
    )
    assert candidate(flagged, 0.6) is None
    assert candidate({"event": "bot", "text": "hi"}, 0.6) is None
    assert candidate(_user_event("   "), 0.6) is None


def test_the_language_comes_from_the_entity_then_the_metadata() -> None:
    from_metadata = _user_event("8100203948571234", metadata={"language": "ko-KR"})
    found = candidate(from_metadata, 0.6)
    assert found is not None
    assert (found.language, found.text) == ("ko", "<order_id>")
    mixed = _user_event("refund 해주세요", entities=[_language("en")], metadata={"language": "ko"})
    assert getattr(candidate(mixed, 0.6), "language", None) == "en"


def test_the_text_is_masked_before_it_is_captured() -> None:
    event = _user_event("my mail is kim@example.com and 010-1234-5678", entities=[_language("en")])
    found = candidate(event, 0.6)
    assert found is not None
    assert found.text == "my mail is <email> and <phone>"


# --- the broker, with a real Redis ---------------------------------------------------


@pytest.fixture
def inbox_redis(redis_settings: RedisSettings) -> Iterator[RedisSettings]:
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + BROKER_DB_OFFSET) % 16)
    client = settings.client()
    client.flushdb()
    yield settings
    client.flushdb()
    client.close()


def _run_broker(
    settings: RedisSettings, monkeypatch: pytest.MonkeyPatch, events: list[dict[str, Any]]
) -> dict[str, Any]:
    """Publish events as Rasa does (from its event loop), then read the inbox back."""
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)

    async def run() -> dict[str, Any]:
        config = EndpointConfig(type="bot.inbox.broker.InboxEventBroker", min_confidence=0.6)
        broker = await InboxEventBroker.from_endpoint_config(config)
        for event in events:
            broker.publish(event)
        await broker.flush()
        store = InboxStore(settings.async_client())
        try:
            return {"ko": await store.items("ko"), "en": await store.items("en"), "store": store}
        finally:
            await broker.close()
            await store.client.close()

    return asyncio.run(run())


def test_the_broker_groups_misses_by_language_and_counts_repeats(
    inbox_redis: RedisSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    en = [_language("en")]
    found = _run_broker(
        inbox_redis,
        monkeypatch,
        [
            _user_event(
                "qwzx blorp fnord", ranking=[("nlu_fallback", 0.5), ("greet", 0.3)], entities=en
            ),
            # Another spelling of the same words: the same item, counted twice, with the
            # latest guess.
            _user_event(
                "Qwzx  blorp, fnord!",
                ranking=[("nlu_fallback", 0.5), ("thank", 0.2)],
                entities=en,
                sender="shopper-2",
            ),
            _user_event(
                "환불 규정이 뭐예요 kim@example.com", "faq", 0.41, entities=[_language("ko")]
            ),
            _user_event("hello", "greet", 0.98, entities=en),
            {"event": "bot", "sender_id": "shopper-1", "text": "Sorry?"},
        ],
    )
    [english] = found["en"]
    assert (english.text, english.count, english.intent, english.fell_back) == (
        "qwzx blorp fnord",
        2,
        "thank",
        True,
    )
    [korean] = found["ko"]
    assert (korean.text, korean.count, korean.intent) == ("환불 규정이 뭐예요 <email>", 1, "faq")
    assert korean.confidence == pytest.approx(0.41)
    assert korean.id == item_id("ko", "환불 규정이 뭐예요 <email>")


def test_a_busy_bot_leaves_the_broker_no_backlog(
    inbox_redis: RedisSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every event of every conversation passes the broker; only misses cost it work."""
    for name, value in inbox_redis.environment().items():
        monkeypatch.setenv(name, value)
    en = [_language("en")]

    async def run() -> tuple[int, int, list[str]]:
        config = EndpointConfig(type="bot.inbox.broker.InboxEventBroker", min_confidence=0.6)
        broker = await InboxEventBroker.from_endpoint_config(config)
        tasks_before = len(asyncio.all_tasks())
        for turn in range(2000):
            sender = f"shopper-{turn % 50}"
            broker.publish(_user_event("hello", "greet", 0.98, entities=en, sender=sender))
            broker.publish({"event": "action", "sender_id": sender, "name": "utter_greet"})
            broker.publish({"event": "bot", "sender_id": sender, "text": "Hi!"})
        tasks_after_answers = len(asyncio.all_tasks())
        for turn in range(3):
            broker.publish(_user_event(f"zzq blorp {turn}", entities=en, sender="shopper-1"))
        await broker.flush()
        store = InboxStore(inbox_redis.async_client())
        try:
            return tasks_before, tasks_after_answers, [i.text for i in await store.items("en")]
        finally:
            await broker.close()
            await store.client.close()

    tasks_before, tasks_after_answers, texts = asyncio.run(run())
    assert tasks_after_answers == tasks_before
    assert sorted(texts) == ["zzq blorp 0", "zzq blorp 1", "zzq blorp 2"]


def test_messages_to_a_human_agent_are_not_captured(
    inbox_redis: RedisSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    en = [_language("en")]
    found = _run_broker(
        inbox_redis,
        monkeypatch,
        [
            {"event": "pause", "sender_id": "handed-off"},
            _user_event("my parcel is wet and torn", entities=en, sender="handed-off"),
            _user_event("still wet", entities=en, sender="other"),
            {"event": "resume", "sender_id": "handed-off"},
            _user_event("thanks bye zzz", entities=en, sender="handed-off"),
        ],
    )
    assert sorted(item.text for item in found["en"]) == ["still wet", "thanks bye zzz"]


def test_a_handled_text_never_comes_back(
    inbox_redis: RedisSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    en = [_language("en")]
    [item] = _run_broker(inbox_redis, monkeypatch, [_user_event("asdf qwer", entities=en)])["en"]

    async def resolve() -> None:
        store = InboxStore(inbox_redis.async_client())
        await store.resolve(item)
        await store.client.close()

    asyncio.run(resolve())
    again = _run_broker(inbox_redis, monkeypatch, [_user_event("ASDF qwer", entities=en)])
    assert again["en"] == []


def test_the_inbox_keeps_only_the_newest_items(inbox_redis: RedisSettings) -> None:
    async def run() -> list[str]:
        store = InboxStore(inbox_redis.async_client(), max_items=3)
        for number in range(5):
            await store.record(Candidate("en", f"word{number} zzz", None, 0.0, True), now=number)
        texts = sorted(item.text for item in await store.items("en"))
        assert await store.get(item_id("en", "word0 zzz")) is None
        await store.client.close()
        return texts

    assert asyncio.run(run()) == ["word2 zzz", "word3 zzz", "word4 zzz"]


# --- appending to inbox.yml ---------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the training data (NLU and FAQ) to write into."""
    target = tmp_path / "data"
    shutil.copytree(PROJECT_DIR / "data" / "nlu", target / "nlu")
    shutil.copytree(PROJECT_DIR / "data" / "faq", target / "faq")
    return target


@pytest.fixture
def catalog(data_dir: Path) -> Catalog:
    return load_catalog(domain_path(), FaqStore(data_dir / "faq"))


def _examples(path: Path) -> dict[str, list[str]]:
    document = yaml.safe_load(path.read_text("utf-8"))
    assert document["version"] == "3.1"
    return {
        item["intent"]: [line[2:] for line in item["examples"].splitlines()]
        for item in document["nlu"]
    }


def test_accepted_examples_are_appended_as_rasa_training_data(
    data_dir: Path, catalog: Catalog
) -> None:
    faq_key = catalog.faq[0].key
    added = append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "qwzx blorp fnord")
    assert (added.file, added.intent) == ("data/nlu/en/inbox.yml", "out_of_scope")
    append_example(data_dir, "en", catalog.label(f"faq:{faq_key}"), "where do I fix my zorbl")
    append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "snorkel wumpus")
    path = inbox_path(data_dir, "en")
    assert _examples(path) == {
        "out_of_scope": ["qwzx blorp fnord", "snorkel wumpus"],
        f"faq/{faq_key}": ["where do I fix my zorbl"],
    }
    # Rasa's own reader takes the file, the FAQ question as a retrieval intent example.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    assert {m.get("intent") for m in data.intent_examples} == {"out_of_scope", "faq"}
    assert not list(path.parent.glob(".inbox.yml.*"))


def test_an_example_already_in_the_data_is_refused(data_dir: Path, catalog: Catalog) -> None:
    append_example(data_dir, "ko", catalog.label("intent:out_of_scope"), "뷁뷁 쀍")
    before = inbox_path(data_dir, "ko").read_bytes()
    for text, label in (("뷁뷁, 쀍!", "intent:greet"), ("hello", "intent:out_of_scope")):
        with pytest.raises(Rejected) as refused:
            append_example(data_dir, "ko", catalog.label(label), text)
        assert refused.value.status == 409
        assert "이미" in refused.value.message["ko"]
        assert "already" in refused.value.message["en"]
    assert inbox_path(data_dir, "ko").read_bytes() == before


def test_an_faq_question_is_refused_as_a_duplicate_too(data_dir: Path, catalog: Catalog) -> None:
    entry = catalog.faq[0]
    with pytest.raises(Rejected) as refused:
        append_example(data_dir, "ko", catalog.label("intent:out_of_scope"), entry.question["ko"])
    assert refused.value.status == 409
    assert f"faq/{entry.key}" in refused.value.message["en"]


def test_an_unknown_intent_is_refused_in_both_languages(catalog: Catalog) -> None:
    with pytest.raises(Rejected) as refused:
        catalog.label("intent:out_of_scop")
    assert refused.value.status == 400
    assert refused.value.message == {
        "ko": "domain.yml에 'out_of_scop' 의도가 없어요. 'out_of_scope'을(를) 말씀하신 건가요?",
        "en": "There is no intent 'out_of_scop' in domain.yml. Did you mean 'out_of_scope'?",
    }
    for value in ("intent:faq", "faq:no_such_entry", "greet", None):
        with pytest.raises(Rejected) as refused:
            catalog.label(value)
        assert refused.value.status == 400


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n  - bad\n', ":6"),
        (b'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - \xff\xfe\n', "UTF-8"),
        (b'version: "3.1"\nversion: "3.1"\nnlu: []\n', ":2"),
    ],
)
def test_an_unreadable_inbox_file_is_left_untouched(
    data_dir: Path, catalog: Catalog, content: bytes, named: str
) -> None:
    path = inbox_path(data_dir, "en")
    path.write_bytes(content)
    with pytest.raises(Rejected) as refused:
        append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "snorkel wumpus")
    assert refused.value.status == 422
    assert "data/nlu/en/inbox.yml" in refused.value.message["en"]
    assert named in refused.value.message["en"]
    assert "Nothing was changed" in refused.value.message["en"]
    assert "아무것도 바꾸지 않았어요" in refused.value.message["ko"]
    assert path.read_bytes() == content


def test_an_unreadable_training_file_elsewhere_stops_the_append(
    data_dir: Path, catalog: Catalog
) -> None:
    broken = data_dir / "nlu" / "ko" / "smalltalk.yml"
    broken.write_text("nlu:\n- intent: greet\n  examples: |\n    - 안녕\n   bad: [\n", "utf-8")
    with pytest.raises(Rejected) as refused:
        append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "snorkel wumpus")
    assert refused.value.status == 422
    assert "data/nlu/ko/smalltalk.yml" in refused.value.message["ko"]
    assert not inbox_path(data_dir, "en").exists()


def test_other_items_in_the_inbox_file_are_not_rewritten_away(
    data_dir: Path, catalog: Catalog
) -> None:
    path = inbox_path(data_dir, "en")
    content = 'version: "3.1"\nnlu:\n- synonym: refund\n  examples: |\n    - money back\n'
    path.write_text(content, "utf-8")
    with pytest.raises(Rejected) as refused:
        append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "snorkel wumpus")
    assert refused.value.code == "inbox_shape"
    assert path.read_text("utf-8") == content


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   ", "empty_text"),
        ("?!", "empty_text"),
        ("x" * 501, "text_too_long"),
        ("my order [8100203948571234](order_id)", "entity_markup"),
        (None, "empty_text"),
    ],
)
def test_bad_example_text_is_refused(
    data_dir: Path, catalog: Catalog, text: object, code: str
) -> None:
    with pytest.raises(Rejected) as refused:
        append_example(data_dir, "en", catalog.label("intent:out_of_scope"), text)
    assert (refused.value.code, refused.value.status) == (code, 400)


def test_an_edited_text_is_masked_and_put_on_one_line(data_dir: Path, catalog: Catalog) -> None:
    added = append_example(
        data_dir, "en", catalog.label("intent:out_of_scope"), "mail\nme at\tkim@example.com\x07 x"
    )
    assert added.text == "mail me at <email> x"
    assert _examples(inbox_path(data_dir, "en")) == {"out_of_scope": ["mail me at <email> x"]}


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    data_dir: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "qwzx blorp fnord")
    path = inbox_path(data_dir, "en")
    before = path.read_bytes()

    def crash(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        append_example(data_dir, "en", catalog.label("intent:out_of_scope"), "snorkel wumpus")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_every_error_message_exists_in_both_languages() -> None:
    for code, (korean, english) in MESSAGES.items():
        assert korean.strip() and english.strip(), code
        assert _placeholders(korean) == _placeholders(english), code


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the editor's page and API on a real web service ----------------------------------


@dataclass(frozen=True)
class EditorServer:
    port: int
    redis: RedisSettings
    data_dir: Path

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        payload: Any = None,
        session: str | None = None,
    ) -> Answer:
        headers: dict[str, str] = {}
        if session:
            # What the inbox page sends with each change (docs/security.md, CSRF).
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            headers["X-CSRF-Token"] = csrf_token(session)
        return request(
            self.port, method, path, form=form, payload=payload, session=session, headers=headers
        )

    def sign_in(self, agent_id: str) -> Answer:
        return self.request(
            "POST", "/editor/login", form={"agent_id": agent_id, "password": PASSWORD}
        )

    def session(self, agent_id: str = "ed") -> str:
        reply = self.sign_in(agent_id)
        assert reply.status == 303, reply.body
        jar: SimpleCookie = SimpleCookie()
        for header in reply.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return jar[SESSION_COOKIE].value

    def record(self, language: str, text: str) -> str:
        async def run() -> str | None:
            store = InboxStore(self.redis.async_client())
            try:
                return await store.record(Candidate(language, text, "greet", 0.3, True))  # type: ignore[arg-type]
            finally:
                await store.client.close()

        identifier = asyncio.run(run())
        assert identifier is not None
        return identifier


def _handoff_config(path: Path) -> None:
    password_hash = hash_password(PASSWORD)
    agents = [
        {"id": "ed", "name": "Ed <i>Itor</i>", "roles": ["editor"], "password_hash": password_hash},
        {
            "id": "ag",
            "name": "Agent",
            "teams": ["ko"],
            "roles": ["agent"],
            "password_hash": password_hash,
        },
    ]
    write_handoff_config(path, agents)


@pytest.fixture(scope="module")
def editor_server(
    redis_settings: RedisSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EditorServer]:
    settings = dataclasses.replace(redis_settings, db=(redis_settings.db + WEB_DB_OFFSET) % 16)
    settings.client().flushdb()
    run_dir = tmp_path_factory.mktemp("editor")
    data = run_dir / "data"
    shutil.copytree(PROJECT_DIR / "data" / "nlu", data / "nlu")
    shutil.copytree(PROJECT_DIR / "data" / "faq", data / "faq")
    config = run_dir / "handoff.yml"
    _handoff_config(config)
    env = {"HANDOFF_CONFIG": str(config), "EVA_DATA_DIR": str(data)}
    try:
        with web_service(settings, run_dir, env) as port:
            yield EditorServer(port, settings, data)
    finally:
        settings.client().flushdb()


def test_the_editor_page_needs_an_editor(editor_server: EditorServer) -> None:
    assert editor_server.request("GET", "/editor").headers["Location"] == "/editor/login"
    assert editor_server.request("GET", "/api/editor/items").status == 401
    refused = editor_server.sign_in("ag")
    assert refused.status == 403
    assert "편집자 역할" in refused.body and "editor role" in refused.body
    agent = _agent_session(editor_server)
    assert editor_server.request("GET", "/api/editor/items", session=agent).status == 403
    wrong = editor_server.request(
        "POST", "/editor/login", form={"agent_id": "ed", "password": "nope"}
    )
    assert wrong.status == 401


def _agent_session(server: EditorServer) -> str:
    reply = server.request("POST", "/agent/login", form={"agent_id": "ag", "password": PASSWORD})
    jar: SimpleCookie = SimpleCookie()
    for header in reply.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar[SESSION_COOKIE].value


def test_the_page_lists_items_by_language_as_text(editor_server: EditorServer) -> None:
    editor_server.record("ko", "<script>뷁</script> 쀍쀍")
    editor_server.record("en", "blorp <b>zonk</b>")
    session = editor_server.session()
    page = editor_server.request("GET", "/editor?lang=ko", session=session)
    assert page.status == 200
    assert "Ed &lt;i&gt;Itor&lt;/i&gt;" in page.body
    assert "&lt;script&gt;뷁&lt;/script&gt; 쀍쀍" in page.body
    assert "<b>zonk</b>" not in page.body
    assert 'value="intent:out_of_scope"' in page.body and 'value="intent:faq"' not in page.body
    assert "검토함" in page.body
    listed = editor_server.request("GET", "/api/editor/items", session=session).json()
    assert "<script>뷁</script> 쀍쀍" in [item["text"] for item in listed["ko"]]
    english = editor_server.request("GET", "/editor?lang=en", session=session)
    assert "Eva review inbox" in english.body


def test_accepting_writes_the_file_and_empties_the_item(editor_server: EditorServer) -> None:
    identifier = editor_server.record("en", "qwzx blorp fnord")
    session = editor_server.session()
    path = f"/api/editor/items/{identifier}/accept"
    unknown = editor_server.request(
        "POST", path, payload={"label": "intent:out_of_scop"}, session=session
    )
    assert unknown.status == 400
    assert unknown.json()["message"]["en"].startswith("There is no intent 'out_of_scop'")
    assert "의도가 없어요" in unknown.json()["message"]["ko"]
    assert not inbox_path(editor_server.data_dir, "en").exists()

    bad_json = editor_server.request("POST", path, session=session)
    assert bad_json.status == 400

    accepted = editor_server.request(
        "POST", path, payload={"label": "intent:out_of_scope"}, session=session
    )
    assert accepted.status == 200, accepted.body
    assert accepted.json()["file"] == "data/nlu/en/inbox.yml"
    assert _examples(inbox_path(editor_server.data_dir, "en")) == {
        "out_of_scope": ["qwzx blorp fnord"]
    }
    again = editor_server.request(
        "POST", path, payload={"label": "intent:out_of_scope"}, session=session
    )
    assert again.status == 404
    listed = editor_server.request("GET", "/api/editor/items", session=session).json()
    assert identifier not in [item["id"] for item in listed["en"]]


def test_dismissing_takes_the_item_away(editor_server: EditorServer) -> None:
    identifier = editor_server.record("ko", "ㅋㅋㅋ 뭐지 이거")
    session = editor_server.session()
    reply = editor_server.request(
        "POST", f"/api/editor/items/{identifier}/dismiss", payload={}, session=session
    )
    assert reply.status == 200
    listed = editor_server.request("GET", "/api/editor/items", session=session).json()
    assert identifier not in [item["id"] for item in listed["ko"]]
    missing = editor_server.request(
        "POST", "/api/editor/items/not-an-id/dismiss", payload={}, session=session
    )
    assert missing.status == 404
    assert set(missing.json()["message"]) == {"ko", "en"}


def test_editor_static_files_are_served_from_web_editor_only(editor_server: EditorServer) -> None:
    assert editor_server.request("GET", "/editor/static/editor.js").status == 200
    assert editor_server.request("GET", "/editor/static/editor.css").status == 200
    assert editor_server.request("GET", "/editor/static/..%2Fagent%2Fconsole.js").status == 404
    assert editor_server.request("GET", "/editor/static/editor.html").status == 404
