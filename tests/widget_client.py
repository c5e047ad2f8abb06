"""A shopper's page, as far as the live channel can tell: a WebSocket client speaking
the widget protocol (docs/widget-protocol.md)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from websockets.client import connect as websocket_connect
from websockets.typing import Origin

Frame = dict[str, Any]


class WidgetClient:
    """A page of a new conversation, or with `session_token` (an earlier page's
    `session_token`) one that comes back to its conversation, as a reload does."""

    def __init__(
        self, web_url: str, session_token: str | None = None, origin: str | None = None
    ) -> None:
        self.url = web_url.replace("http://", "ws://") + "/webhooks/widget/socket"
        self.session_token = session_token
        # The conversation id the server issued; known once it said welcome.
        self.session_id = session_token.split(".")[0] if session_token else ""
        self.origin = origin
        self.socket: Any = None
        self.frames: list[Frame] = []
        self.last_seq = 0

    async def open(self) -> None:
        """The socket alone, before any hello."""
        origin = Origin(self.origin) if self.origin else None
        self.socket = await websocket_connect(self.url, origin=origin, max_size=2**20)

    async def connect(self, last_seq: int | None = None, **hello: Any) -> Frame:
        await self.open()
        return await self.hello(last_seq, **hello)

    async def hello(self, last_seq: int | None = None, **hello: Any) -> Frame:
        """Says hello with the id the server issued (if any); keeps the one it answers."""
        seq = self.last_seq if last_seq is None else last_seq
        frame: Frame = {"type": "hello", "last_seq": seq}
        if self.session_token is not None:
            frame["session_token"] = self.session_token
        await self.send({**frame, **hello})
        welcome = await self.wait_for(lambda frame: frame["type"] == "welcome")
        self.session_id = welcome["session_id"]
        self.session_token = welcome["session_token"]
        return welcome

    async def send(self, frame: Frame) -> None:
        await self.socket.send(json.dumps(frame, ensure_ascii=False))

    async def say(self, text: str, payload: str | None = None) -> str:
        client_id = uuid.uuid4().hex
        frame: Frame = {"type": "message", "text": text, "client_id": client_id}
        if payload is not None:
            frame["payload"] = payload
        await self.send(frame)
        return client_id

    async def _next(self, timeout: float) -> Frame:
        frame: Frame = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        self.frames.append(frame)
        if frame["type"] == "message":
            self.last_seq = max(self.last_seq, int(frame["seq"]))
        return frame

    async def wait_for(self, condition: Callable[[Frame], bool], timeout: float = 30) -> Frame:
        """The first new frame that meets `condition` (frames before it are kept)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame; got {self.frames[-5:]}")
            frame = await self._next(remaining)
            if condition(frame):
                return frame

    async def message(self, role: str, timeout: float = 30) -> Frame:
        return await self.wait_for(
            lambda frame: frame["type"] == "message" and frame["role"] == role, timeout
        )

    async def queued(self, timeout: float = 30) -> Frame:
        """The notice that the conversation joined an agents' queue (place and wait)."""
        return await self.wait_for(lambda frame: frame.get("event") == "queue", timeout)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


def messages(frames: list[Frame], role: str | None = None) -> list[Frame]:
    return [
        frame
        for frame in frames
        if frame["type"] == "message" and (role is None or frame["role"] == role)
    ]
