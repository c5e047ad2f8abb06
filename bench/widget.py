"""A shopper on the chat widget's WebSocket (docs/widget-protocol.md).

A message's reply is the first bot message stored after it: the server acknowledges
the message with its seq, and every bot reply to it has a higher seq (replies to an
earlier message, still arriving, have lower ones).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from websockets.client import connect

from bench.script import Turn

Frame = dict[str, Any]


class WidgetError(RuntimeError):
    pass


class WidgetShopper:
    def __init__(self, web_url: str) -> None:
        self.url = web_url.replace("http://", "ws://") + "/webhooks/widget/socket"
        self.socket: Any = None
        self.reply = ""

    async def _frame(self) -> Frame:
        raw = await self.socket.recv()
        frame: Frame = json.loads(raw)
        if frame.get("type") == "error":
            raise WidgetError(f"error frame: {frame}")
        return frame

    async def open(self, language: str) -> None:
        self.socket = await connect(self.url, max_size=2**20)
        # No id: the server issues the conversation's (docs/widget-protocol.md).
        await self.socket.send(json.dumps({"type": "hello", "last_seq": 0, "language": language}))
        while (await self._frame()).get("type") != "welcome":
            pass

    async def say(self, turn: Turn) -> None:
        client_id = uuid.uuid4().hex
        frame = {"type": "message", "text": turn.text, "client_id": client_id}
        await self.socket.send(json.dumps(frame, ensure_ascii=False))
        seq: int | None = None
        while True:
            received = await self._frame()
            kind = received.get("type")
            if kind == "ack" and received.get("client_id") == client_id:
                if received.get("seq") is None:
                    raise WidgetError("message acknowledged as a duplicate")
                seq = int(received["seq"])
            elif (
                kind == "message"
                and received.get("role") == "bot"
                and seq is not None
                and int(received["seq"]) > seq
            ):
                self.reply = str(received.get("text") or "")
                return

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
