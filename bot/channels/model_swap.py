"""Loads a new model into the running Rasa server without making shoppers wait.

Rasa's own `PUT /model` builds the new agent on the server's event loop, so every
conversation stalls for the seconds the model takes to load (TensorFlow graphs, a
150 MB archive). Here the model loads in a worker thread while the old agent keeps
answering, and the new agent replaces it in one assignment. Channels look the agent
up for every message, so the next message is answered by the new model.

    PUT /webhooks/model_swap/model?token=<RASA_API_TOKEN>  {"model_file": "/abs/path.tar.gz"}
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

TOKEN_ENV = "RASA_API_TOKEN"


def _authorised(request: Request) -> bool:
    # Without a configured token the endpoint stays closed: it replaces the whole bot.
    expected = os.environ.get(TOKEN_ENV, "")
    given = request.args.get("token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _model_file(request: Request) -> Path | None:
    body = request.json if request.body else None
    value = body.get("model_file") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return path if path.is_absolute() and path.is_file() else None


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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("model_swap", __name__)

        @blueprint.put("/model")
        async def swap(request: Request) -> HTTPResponse:
            if not _authorised(request):
                return response.json({"error": "unauthorized"}, status=401)
            model_file = _model_file(request)
            if model_file is None:
                return response.json(
                    {"error": "model_file must be the absolute path of an existing file"},
                    status=400,
                )
            async with self._swapping:
                try:
                    agent = await load_beside(request.app.ctx.agent, model_file)
                except Exception as error:
                    logger.exception("could not load %s", model_file)
                    return response.json({"error": f"could not load the model: {error}"}, 400)
                request.app.ctx.agent = agent
            logger.info("now answering with %s", model_file)
            return response.empty()

        return blueprint
