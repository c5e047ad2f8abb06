"""Benchmark 4b: from an edited FAQ answer to the bot saying it.

Our stack reads its FAQ answers from a copy of data/faq (FAQ_PATH). The benchmark
asks a FAQ question, finds the entry that answered it, writes a changed answer into
that entry's file as an editor would, and asks again (a new shopper each time, every
0.1 s) until the new answer comes back. The file is restored afterwards.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from bench.clients import RestShopper, new_http_session
from bench.runners import Target
from bench.script import Turn

QUESTION = Turn("배송 얼마나 걸려요?", "ko")
POLL_SECONDS = 0.1


def _flat(text: str) -> str:
    return " ".join(text.split())


def _find_entry(faq_dir: Path, reply: str) -> tuple[Path, str, str]:
    """The file, key and Korean answer of the entry whose answer the bot gave."""
    for path in sorted(faq_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("faq") or []:
            answer = str(entry["answer"]["ko"])
            if _flat(answer) and _flat(answer) in _flat(reply):
                return path, str(entry["key"]), answer
    raise RuntimeError(f"no FAQ entry under {faq_dir} answers with {reply[:80]!r}")


def _write_answer(path: Path, key: str, answer: str) -> None:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["faq"]:
        if entry["key"] == key:
            entry["answer"]["ko"] = answer
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
    )
    os.replace(temporary, path)


async def _ask(http: Any, target: Target) -> str:
    shopper = RestShopper(http, target.rasa_url)
    await shopper.say(QUESTION)
    return " ".join(str(reply.get("text") or "") for reply in shopper.replies)


async def faq_edit_to_live(
    target: Target, faq_dir: Path, tries: int, timeout: float
) -> list[float]:
    """Seconds from each edit to its answer; an edit not live within `timeout` is skipped."""
    seconds: list[float] = []
    async with new_http_session() as http:
        path, key, _ = _find_entry(faq_dir, await _ask(http, target))
        original = path.read_bytes()
        try:
            for _ in range(tries):
                marker = f"[bench {uuid.uuid4().hex[:8]}]"
                current = _find_entry(faq_dir, await _ask(http, target))[2]
                start = time.perf_counter()
                _write_answer(path, key, f"{current.split(' [bench ')[0]} {marker}")
                while time.perf_counter() - start < timeout:
                    if marker in await _ask(http, target):
                        seconds.append(time.perf_counter() - start)
                        break
                    await asyncio.sleep(POLL_SECONDS)
        finally:
            path.write_bytes(original)
    return seconds
