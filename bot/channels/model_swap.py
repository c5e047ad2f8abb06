"""Loads a new model into the running Rasa server without making shoppers wait.

Rasa's own `PUT /model` builds the new agent on the server's event loop, so every
conversation stalls for the seconds the model takes to load (TensorFlow graphs, a
150 MB archive). Here the model loads in a worker thread while the old agent keeps
answering, and the new agent replaces it in one assignment. Channels look the agent
up for every message, so the next message is answered by the new model.

    PUT /webhooks/model_swap/model  {"model_file": "/abs/path.tar.gz"}
    Authorization: Bearer <a JWT signed with RASA_API_TOKEN (bot/api_auth.py)>

With several Sanic workers (SANIC_WORKERS) the request reaches one of them, so the
order goes to all of them over Redis (`SWAP_CHANNEL`); each loads the model and
reports back on a list, and the request is answered once every worker has swapped
(or with the errors of those that could not).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import api_auth, heap_freeze
from bot.channels.json_requests import bilingual_error, json_object, unauthorised
from bot.redis_server import RedisSettings

logger = logging.getLogger(__name__)

SWAP_CHANNEL = "eva:model:swap"
# Loading a model takes 10-40 s; two workers load at the same time on two cores.
LOAD_TIMEOUT_SECONDS = 300
RECONNECT_SECONDS = 1.0


def _reports_key(request_id: str) -> str:
    return f"eva:model:swap:{request_id}"


def _model_file(request: Request) -> Path | HTTPResponse:
    """The model file the request names, or the 400 answer that says what is wrong."""
    body = json_object(request, '{"model_file": "/abs/path.tar.gz"}')
    if isinstance(body, HTTPResponse):
        return body
    value = body.get("model_file")
    path = Path(value) if isinstance(value, str) and value else None
    if path is None or not path.is_absolute() or not path.is_file():
        return bilingual_error(
            "bad_model_file",
            "model_file은 이 서버에 있는 모델 파일의 절대 경로여야 해요.",
            "model_file must be the absolute path of an existing file on this server.",
        )
    return path


async def load_beside(current: Agent, model_file: Path) -> Agent:
    """A new agent on the current one's stores and action server, loaded off the loop."""
    agent = Agent(
        # Agent() gives the tracker store it is handed this domain at once; the live
        # agent shares that store, so it must keep its own domain until the swap.
        domain=current.domain,
        tracker_store=current.tracker_store,
        lock_store=current.lock_store,
        action_endpoint=current.action_endpoint,
        http_interpreter=current.http_interpreter,
    )
    await asyncio.to_thread(agent.load_model, model_file)
    return agent


class ModelSwapInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "model_swap"

    def __init__(self) -> None:
        self._swapping = asyncio.Lock()

    async def _swap_here(self, app: Any, model_file: Path) -> str | None:
        """Load and swap in this worker; the error, or None when it worked."""
        async with self._swapping:
            try:
                agent = await load_beside(app.ctx.agent, model_file)
            except Exception as error:
                logger.exception("could not load %s", model_file)
                return f"could not load the model: {error}"
            app.ctx.agent = agent
            heap_freeze.refreeze_after_swap()
        logger.info("worker %s now answers with %s", os.getpid(), model_file)
        return None

    async def _follow_orders(self, app: Any, listening: asyncio.Event) -> None:
        """Swap whenever any worker is asked to, until the server stops."""
        while True:
            client = RedisSettings.from_environment().async_client(waits=True)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(SWAP_CHANNEL)
                    listening.set()
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        order = json.loads(message["data"])
                        error = await self._swap_here(app, Path(order["model_file"]))
                        key = _reports_key(order["request"])
                        report = json.dumps({"worker": os.getpid(), "error": error})
                        await client.rpush(key, report)
                        await client.expire(key, LOAD_TIMEOUT_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("model swap orders: lost Redis, listening again")
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                await client.close()

    async def _swap_everywhere(self, model_file: Path) -> tuple[int, str | None]:
        client = RedisSettings.from_environment().async_client(waits=True)
        try:
            request_id = secrets.token_hex(8)
            order = json.dumps({"model_file": str(model_file), "request": request_id})
            workers = int(await client.publish(SWAP_CHANNEL, order))
            if workers == 0:
                return 503, "no worker is listening for model swaps"
            errors: list[str] = []
            loop = asyncio.get_running_loop()
            deadline = loop.time() + LOAD_TIMEOUT_SECONDS
            for _ in range(workers):
                left = max(1, int(deadline - loop.time()))
                item = await client.blpop([_reports_key(request_id)], timeout=left)
                if item is None:
                    return 504, "a worker did not report back in time"
                error = json.loads(item[1]).get("error")
                if error:
                    errors.append(str(error))
            return (400, "; ".join(errors)) if errors else (204, None)
        finally:
            await client.close()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("model_swap", __name__)

        @blueprint.listener("before_server_start")
        async def follow(app: Any, _loop: Any) -> None:
            # Subscribed before the server takes requests, so no order is missed.
            listening = asyncio.Event()
            app.ctx.model_swap_orders = asyncio.create_task(self._follow_orders(app, listening))
            await asyncio.wait_for(listening.wait(), timeout=30)

        @blueprint.listener("after_server_start")
        async def freeze(app: Any, _loop: Any) -> None:
            # After Rasa's own start-up listener has loaded the agent.
            heap_freeze.freeze_what_is_loaded()

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            app.ctx.model_swap_orders.cancel()

        @blueprint.put("/model")
        async def swap(request: Request) -> HTTPResponse:
            # Without a secret the endpoint stays closed: it replaces the whole bot.
            if not api_auth.authorised(request.headers, os.environ.get(api_auth.TOKEN_ENV)):
                return unauthorised()
            model_file = _model_file(request)
            if isinstance(model_file, HTTPResponse):
                return model_file
            status, error = await self._swap_everywhere(model_file)
            if error is not None:
                return response.json({"error": error}, status=status)
            return response.empty()

        return blueprint
