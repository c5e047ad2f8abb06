"""Human handoff end to end: the real Rasa server, action server, web service and Redis.

A shopper on the widget's live channel asks for a person, waits in the queue, an agent
claims the conversation through the API, they talk both ways, the agent hands back and
the bot answers again. Agents hear shoppers over the console's WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from email import policy
from email.parser import BytesParser
from typing import Any

import aiohttp
import pytest
from websockets.client import connect as websocket_connect

from tests.conftest import RunningBot
from tests.handoff_setup import AGENTS, ALWAYS
from tests.replies import has_hangul
from tests.widget_client import WidgetClient, messages


def session_id() -> str:
    return "t" + uuid.uuid4().hex


class AgentApi:
    def __init__(self, bot: RunningBot, agent_id: str) -> None:
        self.base = f"{bot.web_url}/api"
        self.headers = {"Authorization": f"Bearer {AGENTS[agent_id].token}"}
        self.web_url = bot.web_url

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.request(
                method, self.base + path, json=body, headers=self.headers
            ) as reply:
                return reply.status, await reply.json()

    async def feed(self) -> Any:
        url = self.web_url.replace("http://", "ws://") + "/agent/socket"
        return await websocket_connect(url, extra_headers=self.headers)


async def feed_event(feed: Any, kind: str, conversation_id: str, timeout: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        event = json.loads(await asyncio.wait_for(feed.recv(), max(remaining, 0.01)))
        if event.get("type") == kind and event.get("conversation_id") == conversation_id:
            return event


SCENARIOS = {
    "ko": {
        "ask": "상담원 연결해 주세요",
        "while_queued": "주문한 패딩이 아직 안 왔어요",
        "agent": "minji",
        "agent_says": "안녕하세요, 김민지입니다. 주문번호를 알려 주시겠어요?",
        "shopper_says": "EV-1001 이에요",
        "after": "안녕하세요",
    },
    "en": {
        "ask": "I want to talk to a human agent",
        "while_queued": "my jacket has not arrived yet",
        "agent": "sam",
        "agent_says": "Hi, this is Sam. Could you tell me your order number?",
        "shopper_says": "It is EV-1001",
        "after": "hello",
    },
}


async def transcript_with(
    agent: Any, conversation_id: str, line: tuple[str, str], timeout: float = 10
) -> list[tuple[str, str | None]]:
    """The conversation's transcript once it holds `line` (or as it is at the timeout)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status, conversation = await agent.call("GET", f"/conversations/{conversation_id}")
        assert status == 200
        said = [(row["role"], row.get("text")) for row in conversation["transcript"]]
        if line in said or asyncio.get_running_loop().time() > deadline:
            return said
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_trigger_queue_claim_talk_hand_back(bot: RunningBot, language: str) -> None:
    scenario = SCENARIOS[language]
    asyncio.run(_full_handoff(bot, language, scenario))


async def _full_handoff(bot: RunningBot, language: str, scenario: dict[str, str]) -> None:
    shopper = WidgetClient(bot.web_url)
    agent = AgentApi(bot, scenario["agent"])
    feed = await agent.feed()
    await shopper.connect(language=language)
    try:
        await shopper.say(scenario["ask"])
        queued = await shopper.queued()
        assert queued["role"] == "system" and queued["queue"]["position"] >= 1, queued
        assert has_hangul(queued["text"]) == (language == "ko")

        status, queue = await agent.call("GET", "/queue")
        assert status == 200
        waiting = queue["teams"][language]["waiting"]
        mine = [entry for entry in waiting if entry["conversation_id"] == shopper.session_id]
        assert mine and mine[0]["position"] == queued["queue"]["position"]
        assert mine[0]["language"] == language

        # Written while queued: the bot stays silent and the agent's console hears it.
        await shopper.say(scenario["while_queued"])
        heard = await feed_event(feed, "shopper_message", shopper.session_id)
        assert heard["text"] == scenario["while_queued"]

        status, claimed = await agent.call("POST", f"/conversations/{shopper.session_id}/claim")
        assert status == 200, claimed
        joined = await shopper.wait_for(lambda f: f.get("event") == "agent_joined")
        assert AGENTS[scenario["agent"]].name in joined["text"]

        status, _ = await agent.call(
            "POST",
            f"/conversations/{shopper.session_id}/messages",
            {"text": scenario["agent_says"]},
        )
        assert status == 200
        from_agent = await shopper.message("agent")
        assert from_agent["text"] == scenario["agent_says"]
        assert from_agent["agent"]["name"] == AGENTS[scenario["agent"]].name

        await shopper.say(scenario["shopper_says"])
        heard = await feed_event(feed, "shopper_message", shopper.session_id)
        assert heard["text"] == scenario["shopper_says"]

        # The console hears a message before Rasa has recorded it (the relay goes first,
        # for speed), so the transcript may take a moment to show it.
        said = await transcript_with(agent, shopper.session_id, ("user", scenario["shopper_says"]))
        assert ("user", scenario["while_queued"]) in said
        assert ("agent", scenario["agent_says"]) in said
        assert ("user", scenario["shopper_says"]) in said
        # Nothing the shopper wrote while handed off got a bot answer.
        bot_texts = [text for role, text in said if role == "bot"]
        assert len(bot_texts) == 1

        status, _ = await agent.call("POST", f"/conversations/{shopper.session_id}/handback")
        assert status == 200
        await shopper.wait_for(lambda f: f.get("event") == "agent_left")

        await shopper.say(scenario["after"])
        answer = await shopper.message("bot")
        assert has_hangul(answer["text"]) == (language == "ko")
        assert messages(shopper.frames, "bot")[-1] is answer
    finally:
        await shopper.close()
        await feed.close()


def test_claim_race_has_exactly_one_winner_100_times(bot: RunningBot) -> None:
    asyncio.run(_claim_races(bot))


async def _claim_races(bot: RunningBot) -> None:
    first, second = AgentApi(bot, "minji"), AgentApi(bot, "sam")
    for _ in range(100):
        shopper = WidgetClient(bot.web_url)
        await shopper.connect(language="ko")
        await shopper.say("", payload="/request_agent")
        await shopper.queued()
        await shopper.close()
        path = f"/conversations/{shopper.session_id}/claim"
        (status_a, _), (status_b, _) = await asyncio.gather(
            first.call("POST", path), second.call("POST", path)
        )
        assert sorted([status_a, status_b]) == [200, 409]
        winner = first if status_a == 200 else second
        status, _ = await winner.call(
            "POST", f"/conversations/{shopper.session_id}/close", {"resolution": "race test"}
        )
        assert status == 200


def test_capacity_double_close_unknown_and_auth(bot: RunningBot) -> None:
    asyncio.run(_refusals(bot))


async def _queued_conversation(bot: RunningBot, language: str = "ko") -> str:
    shopper = WidgetClient(bot.web_url)
    await shopper.connect(language=language)
    await shopper.say("", payload="/request_agent")
    await shopper.queued()
    await shopper.close()
    return shopper.session_id


async def _refusals(bot: RunningBot) -> None:
    jisoo = AgentApi(bot, "jisoo")  # max_chats 2
    conversations = [await _queued_conversation(bot) for _ in range(3)]
    statuses = [
        (await jisoo.call("POST", f"/conversations/{conversation}/claim"))[0]
        for conversation in conversations
    ]
    assert statuses[:2] == [200, 200]
    status, body = await jisoo.call("POST", f"/conversations/{conversations[2]}/claim")
    assert status == 409 and body["error"] == "capacity"
    assert body["message"]["ko"] and body["message"]["en"]

    close = f"/conversations/{conversations[0]}/close"
    assert (await jisoo.call("POST", close, {"resolution": "done"}))[0] == 200
    status, body = await jisoo.call("POST", close, {"resolution": "again"})
    assert status == 409 and body["error"] == "already_closed"
    assert (await jisoo.call("POST", f"/conversations/{conversations[1]}/close", {}))[0] == 400

    status, body = await jisoo.call("POST", "/conversations/no-such-conversation/claim")
    assert status == 404 and body["error"] == "not_found"
    assert (await jisoo.call("GET", "/conversations/no-such-conversation"))[0] == 404

    # Another agent cannot talk in jisoo's chat.
    minji = AgentApi(bot, "minji")
    status, body = await minji.call(
        "POST", f"/conversations/{conversations[1]}/messages", {"text": "hi"}
    )
    assert status == 403 and body["error"] == "not_yours"

    async with aiohttp.ClientSession() as session:
        url = f"{bot.web_url}/api/queue"
        async with session.get(url) as reply:
            assert reply.status == 401
        async with session.get(url, headers={"Authorization": "Bearer forged-token"}) as reply:
            assert reply.status == 401
        editor = {"Authorization": f"Bearer {AGENTS['editor'].token}"}
        async with session.get(url, headers=editor) as reply:
            assert reply.status == 403
        huge = {"text": "가" * 70_000}
        headers = {"Authorization": f"Bearer {AGENTS['jisoo'].token}"}
        async with session.post(
            f"{bot.web_url}/api/conversations/{conversations[1]}/messages",
            json=huge,
            headers=headers,
        ) as reply:
            assert reply.status == 413
        async with session.post(
            f"{bot.web_url}/api/conversations/{conversations[1]}/messages",
            data=b"{not json",
            headers=headers,
        ) as reply:
            assert reply.status == 400


def test_html_from_an_agent_reaches_the_shopper_as_plain_text(bot: RunningBot) -> None:
    asyncio.run(_html_message(bot))


async def _html_message(bot: RunningBot) -> None:
    shopper = WidgetClient(bot.web_url)
    await shopper.connect(language="en")
    await shopper.say("", payload="/request_agent")
    await shopper.queued()
    sam = AgentApi(bot, "sam")
    assert (await sam.call("POST", f"/conversations/{shopper.session_id}/claim"))[0] == 200
    html = "<script>alert(1)</script><b>bold</b>"
    assert (
        await sam.call("POST", f"/conversations/{shopper.session_id}/messages", {"text": html})
    )[0] == 200
    assert (await shopper.message("agent"))["text"] == html
    await sam.call("POST", f"/conversations/{shopper.session_id}/close", {"resolution": "ok"})
    await shopper.close()


def test_closed_hours_give_next_opening_and_a_ticket_file(bot: RunningBot) -> None:
    config = bot.handoff_config
    config.set_hours("ko", {"mon": ["09:00-09:01"]})
    try:
        asyncio.run(_closed_hours(bot))
    finally:
        config.set_hours("ko", dict(ALWAYS))


async def _closed_hours(bot: RunningBot) -> None:
    shopper = WidgetClient(bot.web_url)
    await shopper.connect(language="ko", timezone="Asia/Seoul")
    try:
        await shopper.say("상담원이랑 이야기하고 싶어요")
        closed = await shopper.message("bot")
        assert "월" in closed["text"] and "오전 9:00" in closed["text"], closed
        payloads = [button["payload"] for button in closed.get("buttons", [])]
        assert "/leave_message" in payloads and "/request_callback" in payloads

        await shopper.say("메시지 남기기", payload="/leave_message")
        assert "이메일" in (await shopper.message("bot"))["text"]
        await shopper.say("제 메일은 shopper@example.com 이에요")
        await shopper.message("bot")
        await shopper.say("패딩 사이즈를 교환하고 싶어요. 주문번호 EV-1001")
        created = await shopper.message("bot")
        assert "T-" in created["text"] and "48" in created["text"], created
    finally:
        await shopper.close()
    found = re.search(r"T-\d{8}-[0-9A-F]{6}", created["text"])
    assert found, created
    mail_file = bot.handoff_config.outbox / f"{found.group(0)}.eml"
    mail = BytesParser(policy=policy.default).parsebytes(mail_file.read_bytes())
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "shopper@example.com" in text and "패딩 사이즈를 교환하고 싶어요" in text


def place(reply: dict[str, Any]) -> int:
    found = re.search(r"number (\d+)", reply["text"])
    assert found, reply
    return int(found.group(1))


def test_waiting_shoppers_see_their_place_move_up(bot: RunningBot) -> None:
    asyncio.run(_place_moves(bot))


async def _place_moves(bot: RunningBot) -> None:
    first, second = (WidgetClient(bot.web_url) for _ in range(2))
    places = []
    # One after the other: two turns at once may reach the queue in either order.
    for shopper in (first, second):
        await shopper.connect(language="en")
        await shopper.say("", payload="/request_agent")
        places.append(place(await shopper.queued()))
    # Other tests may have left shoppers waiting; only the order matters here.
    first_place = places[0]
    assert places[1] == first_place + 1
    sam = AgentApi(bot, "sam")
    assert (await sam.call("POST", f"/conversations/{first.session_id}/claim"))[0] == 200
    moved = await second.wait_for(lambda f: f.get("event") == "queue")
    assert moved["queue"]["position"] == first_place and moved["queue"]["eta_minutes"] >= 1
    assert f"number {first_place}" in moved["text"]
    for shopper in (first, second):
        await shopper.close()
    await sam.call("POST", f"/conversations/{first.session_id}/close", {"resolution": "ok"})
    await sam.call("POST", f"/conversations/{second.session_id}/claim")
    await sam.call("POST", f"/conversations/{second.session_id}/close", {"resolution": "ok"})


def _texts_and_payloads(replies: list[dict[str, Any]]) -> tuple[str, list[str]]:
    text = " ".join(reply.get("text", "") for reply in replies)
    payloads = [button["payload"] for reply in replies for button in reply.get("buttons", [])]
    return text, payloads


@pytest.mark.parametrize(
    ("misses", "language"),
    [
        (["what's the weather like in Seoul tomorrow?", "who won the football game"], "en"),
        (["내일 서울 날씨 어때요?", "오늘 점심 뭐 먹지"], "ko"),
    ],
)
def test_two_misses_in_a_row_offer_a_person_and_yes_queues(
    bot: RunningBot, misses: list[str], language: str
) -> None:
    sender = session_id()
    _, first_payloads = _texts_and_payloads(bot.say(sender, misses[0]))
    assert "/affirm" not in first_payloads
    offer, payloads = _texts_and_payloads(bot.say(sender, misses[1]))
    assert payloads == ["/affirm", "/deny"], offer
    assert has_hangul(offer) == (language == "ko")
    replies = bot.say(sender, "/affirm")
    assert any(
        (reply.get("custom") or {}).get("handoff", {}).get("event") == "queue" for reply in replies
    ), replies
    api = AgentApi(bot, "sam")
    asyncio.run(api.call("POST", f"/conversations/{sender}/claim"))
    asyncio.run(api.call("POST", f"/conversations/{sender}/close", {"resolution": "test"}))


def test_no_to_the_offer_goes_back_to_the_menu(bot: RunningBot) -> None:
    sender = session_id()
    bot.say(sender, "what's the weather like in Seoul tomorrow?")
    _, payloads = _texts_and_payloads(bot.say(sender, "who won the football game"))
    assert payloads == ["/affirm", "/deny"]
    _, menu = _texts_and_payloads(bot.say(sender, "no thanks"))
    assert "/request_agent" in menu and "/order_status" in menu


@pytest.mark.parametrize(
    ("language", "question"),
    [("ko", "배송 얼마나 걸려요?"), ("en", "how long does shipping take")],
)
def test_the_agent_is_offered_the_answer_to_the_shoppers_faq_question(
    bot: RunningBot, language: str, question: str
) -> None:
    sender = session_id()
    answer = bot.say(sender, question)[0]["text"]
    # Asking for a person is not an FAQ question: the suggestion stays with the one before.
    bot.say(sender, SCENARIOS[language]["ask"])
    api = AgentApi(bot, SCENARIOS[language]["agent"])
    status, conversation = asyncio.run(api.call("GET", f"/conversations/{sender}"))
    assert status == 200, conversation
    suggestion = conversation["suggestion"]
    assert suggestion is not None and suggestion["answer"][language] == answer, suggestion
    assert 0 < suggestion["confidence"] <= 1
    asyncio.run(api.call("POST", f"/conversations/{sender}/claim"))
    asyncio.run(api.call("POST", f"/conversations/{sender}/close", {"resolution": "test"}))
