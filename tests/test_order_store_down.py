"""A shop API that is down or slow: a polite answer in the shopper's language, never silence.

Runs a second, real action server configured (endpoints.yml `order_store: type: http`)
against a local stand-in of the shop's API that never answers in time, and one
pointed at a port where nothing listens.
"""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.action_secret import ACTION_SECRET_HEADER, SECRET_ENV
from bot.stack import PROJECT_DIR, free_port, wait_for_http
from tests.test_actions import run_action

SLOW_SECONDS = 3.0
ACTION_SECRET = "test-action-secret-0123456789abcdef"


class SlowShopApi(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(SLOW_SECONDS)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def slow_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), SlowShopApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def start_action_server(tmp_path: Path, api_url: str) -> tuple[subprocess.Popen[bytes], str]:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"order_store:\n  type: http\n  url: {api_url}\n  token_env: SHOP_API_TOKEN\n"
        "  timeout: 1\n",
        encoding="utf-8",
    )
    port = free_port()
    log = tmp_path / "actions.log"
    env = {
        "PATH": "/usr/bin:/bin",
        SECRET_ENV: ACTION_SECRET,
        "ENDPOINTS_PATH": str(endpoints),
        "SHOP_API_TOKEN": "test-token",
        "PYTHONPATH": str(PROJECT_DIR),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/health", process, log, timeout=60)
    return process, url


@pytest.mark.parametrize("api", ["slow", "closed"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_unreachable_store_gets_a_polite_answer_and_the_agent(tmp_path, slow_api, api, language):
    api_url = slow_api if api == "slow" else f"http://127.0.0.1:{free_port()}"
    process, url = start_action_server(tmp_path, api_url)
    try:
        slots = {
            "language": language,
            "order_task": "status",
            "order_id": "8174420965301178",
            "verified_order_id": "8174420965301178",
        }
        responses = run_action(
            url,
            "action_complete_order_task",
            slots,
            {"text": "...", "entities": []},
            {ACTION_SECRET_HEADER: ACTION_SECRET},
        )
        assert [r["response"] for r in responses] == ["utter_store_unavailable"]
    finally:
        process.terminate()
        process.wait(timeout=10)
