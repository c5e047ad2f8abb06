"""The web service on :8080: demo shop page and widget files, agent console, agent API.

Several processes may serve it on one Redis: all state (queue, sessions, messages) is
in Redis and every process hears every event, so none of them is special.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
from pathlib import Path

from sanic import Sanic, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import heap_freeze
from bot.faq.store import DEFAULT_FAQ_PATH, FaqStore
from bot.redis_server import RedisSettings
from bot.stack import PROJECT_DIR
from handoff import api, console, console_socket, editor, widget_socket
from handoff.config import LiveConfig, config_path
from handoff.context import HandoffContext
from handoff.malformed import refuse_malformed_requests
from handoff.rasa_api import RasaApi
from handoff.retention import end_idle_conversations
from handoff.retention_backfill import backfill_retention
from handoff.web_pages import serve_static
from handoff.web_security import HSTS, content_security_policy, public_url, uses_https
from handoff.widget_ids import WidgetIds

logger = logging.getLogger(__name__)

WEB_DIR = PROJECT_DIR / "web"
MAX_BODY_BYTES = 64 * 1024
SWEEP_SECONDS = 30.0


async def _sweep(ctx: HandoffContext) -> None:
    backfilled = False
    while True:
        try:
            if not backfilled:
                # Once a start, before the first sweep: what was stored before retention
                # existed (retries on the next sweep if Redis fails meanwhile).
                adopted, tickets = await backfill_retention(
                    ctx.client, ctx.service.config.retention
                )
                logger.info("retention: %d old conversations, %d old tickets", adopted, tickets)
                backfilled = True
            await ctx.service.transcripts.resume()
            await ctx.service.drop_abandoned()
            await end_idle_conversations(ctx.client, ctx.service.config.retention)
        except Exception:  # the sweeper must outlive a Redis or Rasa hiccup
            logger.exception("could not sweep the handoff queue")
        await asyncio.sleep(SWEEP_SECONDS)


def create_app(name: str = "eva_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.WEBSOCKET_MAX_SIZE = MAX_BODY_BYTES

    @app.before_server_start
    async def connect(app: Sanic, _: object) -> None:
        ctx = HandoffContext.build(
            RedisSettings.from_environment().async_client(),
            LiveConfig(config_path()),
            RasaApi.from_environment(),
            FaqStore(Path(os.environ.get("FAQ_PATH", PROJECT_DIR / DEFAULT_FAQ_PATH))),
        )
        app.ctx.handoff = ctx
        app.ctx.widget_live = widget_socket.LiveConnections(ctx.client, ctx.service.outbox)
        app.ctx.widget_ids = WidgetIds.from_environment()
        app.ctx.sweeper = asyncio.create_task(_sweep(ctx))

    @app.after_server_start
    async def freeze(app: Sanic, _: object) -> None:
        heap_freeze.freeze_what_is_loaded()

    @app.after_server_stop
    async def disconnect(app: Sanic, _: object) -> None:
        app.ctx.sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app.ctx.sweeper
        await app.ctx.widget_live.close()
        await app.ctx.handoff.service.transcripts.close()
        await app.ctx.handoff.rasa.close()
        await app.ctx.handoff.client.close()

    refuse_malformed_requests(app)

    @app.on_response
    async def security_headers(request: Request, reply: HTTPResponse) -> None:
        # Every answer gets a policy, error pages included, whatever their type (a
        # browser may render a text/plain error as a page); the demo, console and inbox
        # pages set theirs already. HSTS whenever shoppers reach us by https.
        if reply is None:
            return
        if uses_https():
            reply.headers.setdefault("Strict-Transport-Security", HSTS)
        reply.headers.setdefault("Content-Security-Policy", content_security_policy())
        reply.headers.setdefault("X-Content-Type-Options", "nosniff")

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/")
    async def demo_shop(_: Request) -> HTTPResponse:
        page = (WEB_DIR / "demo" / "index.html").read_text(encoding="utf-8")
        # Escaped for the attribute it fills, whatever PUBLIC_URL holds.
        return response.html(
            page.replace("{{WIDGET_SERVER}}", html.escape(public_url())),
            headers={
                "Content-Security-Policy": content_security_policy(),
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
            },
        )

    @app.get("/demo/<name:str>")
    async def demo_file(_: Request, name: str) -> HTTPResponse:
        return await serve_static(name, WEB_DIR / "demo")

    @app.get("/widget/<name:str>")
    async def widget_file(_: Request, name: str) -> HTTPResponse:
        path = (WEB_DIR / "widget" / name).resolve()
        if path.parent != (WEB_DIR / "widget").resolve() or not path.is_file():
            raise NotFound("no such file")
        return await response.file(path, headers={"Cache-Control": "no-cache"})

    app.blueprint(api.blueprint())
    app.blueprint(console_socket.blueprint())
    app.blueprint(console.blueprint())
    app.blueprint(editor.blueprint())
    app.blueprint(widget_socket.blueprint())
    return app
