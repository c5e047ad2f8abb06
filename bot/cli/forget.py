"""`eva forget --conversation ID` / `eva forget --email ADDRESS` (issue #21): delete a
shopper's data from Redis, the tickets' e-mail files and the logs (handoff/forget.py),
with an audit line per deletion. Both options may be given, and repeated.

Redis is REDIS_URL's, else the embedded one `make run` starts (EMBEDDED_REDIS_PORT);
the e-mail files are in handoff.yml's tickets.outbox, the logs in <run dir>/logs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import redis

from actions.identity_lockout import failure_keys
from bot.channels.rest import MAX_SENDER_CHARS
from bot.content_checks.messages import language_from_environment
from bot.language import Language
from bot.publishing.messages import printer
from bot.redis_server import RedisSettings
from bot.stack import PROJECT_DIR, StackConfig
from handoff.config import HandoffConfigError, config_path, load_config
from handoff.forget import AUDIT_KEY, Forgotten, Subjects, forget
from handoff.tickets import email_address, one_line

AUDIT_FILE = "forget-audit.log"

MESSAGES: dict[Language, dict[str, str]] = {
    "en": {
        "nothing_named": "Name what to forget: --conversation ID and/or --email ADDRESS.",
        "bad_email": "{value!r} is not an e-mail address (like name@example.com).",
        "bad_conversation": "{value!r} is not a conversation id: 1 to {most} characters "
        "on one line.",
        "bad_config": "Cannot read the handoff configuration: {detail}",
        "redis_down": "Cannot reach Redis at {url} ({detail}). Is the bot running (make run)? "
        "Set REDIS_URL to use another Redis. Nothing was deleted.",
        "nothing_found": "Nothing was found for {count} subject(s): no Redis data, no e-mail "
        "file, no log line. Check the id or the address.",
        "done": "Forgotten: {conversations} conversation(s), {tickets} ticket(s); deleted "
        "{keys} Redis key(s) and {elements} entr(y/ies), {files} e-mail file(s) and "
        "{lines} log line(s).",
        "audit": "{count} audit line(s) in Redis {key} and in {file}.",
        "smtp": "Tickets already sent over SMTP ({host}) are in customer service's mailbox: "
        "delete them there too.",
    },
    "ko": {
        "nothing_named": "무엇을 지울지 알려 주세요: --conversation ID 또는 --email 주소.",
        "bad_email": "{value!r}은(는) 이메일 주소가 아니에요(예: name@example.com).",
        "bad_conversation": "{value!r}은(는) 대화 ID가 아니에요: 한 줄, 1~{most}자여야 해요.",
        "bad_config": "상담 설정을 읽을 수 없어요: {detail}",
        "redis_down": "{url}의 Redis에 연결할 수 없어요({detail}). 봇이 실행 중인가요(make run)? "
        "다른 Redis는 REDIS_URL로 정하세요. 아무것도 지우지 않았어요.",
        "nothing_found": "대상 {count}개에 해당하는 것을 찾지 못했어요: Redis 데이터, 이메일 파일, "
        "로그 줄 모두 없어요. ID나 주소를 확인해 주세요.",
        "done": "지웠어요: 대화 {conversations}개, 티켓 {tickets}개; Redis 키 {keys}개와 항목 "
        "{elements}개, 이메일 파일 {files}개, 로그 {lines}줄.",
        "audit": "감사 기록 {count}줄을 Redis {key}와 {file}에 남겼어요.",
        "smtp": "SMTP({host})로 이미 보낸 티켓은 고객센터 메일함에 있어요: 거기서도 지워 주세요.",
    },
}


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="eva forget", description=__doc__)
    cli.add_argument("--conversation", action="append", default=[], metavar="ID")
    cli.add_argument("--email", action="append", default=[], metavar="ADDRESS")
    cli.add_argument("--run-dir", type=Path, default=PROJECT_DIR / ".run")
    cli.add_argument(
        "--lang",
        choices=["ko", "en"],
        help="language of the messages (default: from LC_ALL/LANG, ko* = Korean, else English)",
    )
    return cli


def _redis(run_dir: Path) -> RedisSettings:
    # The Redis `make run` uses, read from the environment as the stack reads it (the
    # model path plays no part here).
    stack = StackConfig.from_environment(Path(), run_dir)
    if stack.redis_url:
        return RedisSettings.from_url(stack.redis_url)
    return RedisSettings("127.0.0.1", stack.redis_port)


def _subjects(args: argparse.Namespace, say: Callable[..., None]) -> Subjects | None:
    conversations = []
    for value in args.conversation:
        if not value.strip() or len(value) > MAX_SENDER_CHARS or one_line(value) != value:
            say("bad_conversation", value=value, most=MAX_SENDER_CHARS)
            return None
        conversations.append(value)
    emails = []
    for value in args.email:
        address = email_address(value)
        if address is None:
            say("bad_email", value=value)
            return None
        emails.append(address.casefold())
    if not conversations and not emails:
        say("nothing_named")
        return None
    return Subjects(frozenset(conversations), frozenset(emails))


async def _forget(
    settings: RedisSettings, subjects: Subjects, outbox: Path, logs: Path
) -> Forgotten:
    client = settings.async_client()
    try:
        counters = tuple(key for address in subjects.emails for key in failure_keys(None, address))
        return await forget(client, subjects, outbox, logs, extra_keys=counters)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    language: Language = args.lang or language_from_environment(os.environ)
    say = printer(language, sys.stderr, MESSAGES)
    subjects = _subjects(args, say)
    if subjects is None:
        return 2
    try:
        outbox = load_config(config_path()).tickets.outbox
    except HandoffConfigError as error:
        say("bad_config", detail=error)
        return 2
    settings = _redis(args.run_dir)
    logs = args.run_dir / "logs"
    try:
        result = asyncio.run(_forget(settings, subjects, outbox, logs))
    except (redis.ConnectionError, redis.TimeoutError) as error:
        say("redis_down", url=f"{settings.host}:{settings.port}", detail=error)
        return 1
    if not result.anything:
        say("nothing_found", count=len(subjects.conversations) + len(subjects.emails))
        return 1
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / AUDIT_FILE).open("a", encoding="utf-8") as audit:
        audit.writelines(line + "\n" for line in result.audit_lines)
    report = printer(language, sys.stdout, MESSAGES)
    report(
        "done",
        conversations=len(result.conversations),
        tickets=len(result.tickets),
        keys=result.redis_keys,
        elements=result.redis_elements,
        files=len(result.files),
        lines=result.log_lines,
    )
    report("audit", count=len(result.audit_lines), key=AUDIT_KEY, file=logs / AUDIT_FILE)
    if smtp_host := os.environ.get("SMTP_HOST", "").strip():
        report("smtp", host=smtp_host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
