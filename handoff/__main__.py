"""`python -m handoff`: the web service (demo page, widget, agent console, API)."""

from __future__ import annotations

import os

from bot.production import is_production, refuse_to_start
from bot.redis_limits import eviction_problems
from bot.redis_server import RedisSettings
from handoff.app import create_app
from handoff.config import config_path, load_config
from handoff.production_checks import COMPONENT, web_service_problems

if __name__ == "__main__":
    # Before anything listens: a refused start must not have served a single page.
    if is_production():
        redis_client = RedisSettings.from_environment().client()
        problems = web_service_problems(load_config(config_path()))
        problems += eviction_problems(redis_client)
        redis_client.close()
        if problems:
            refuse_to_start(COMPONENT, problems)
    create_app().run(
        host=os.environ.get("BIND_HOST", "127.0.0.1"),
        port=int(os.environ.get("WEB_PORT", "8080")),
        access_log=False,
    )
