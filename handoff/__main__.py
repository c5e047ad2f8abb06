"""`python -m handoff`: the web service (demo page, widget, agent console, API)."""

from __future__ import annotations

import os

from handoff.app import create_app

if __name__ == "__main__":
    create_app().run(
        host=os.environ.get("BIND_HOST", "127.0.0.1"),
        port=int(os.environ.get("WEB_PORT", "8080")),
        access_log=False,
    )
