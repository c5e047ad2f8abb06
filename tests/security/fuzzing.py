"""What the fuzz tests (tests/security/test_fuzz_*.py) share: hypothesis settings, a
kept-alive HTTP connection, the stack's processes and memory, and the clean-up that
leaves the session's stack as the other tests expect it.

Every fuzz test runs against the real stack of tests/conftest.py (`bot`), sends at least
EXAMPLES generated requests or frames, and then checks three things: no answer was a
5xx, no process of the stack died or was replaced, and a normal request still gets its
normal answer. Memory is measured before and after (see Memory and GROWTH_BOUND).
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from bot.stack import Stack
from handoff.signin_throttle import KEY_PREFIX as SIGNIN_PREFIX
from tests.handoff_setup import HandoffTestConfig, TestAgent
from tests.redis_keys import delete_keys

# Issue #21's acceptance: at least this many generated bodies or frames per surface.
EXAMPLES = 2000

# derandomize: the same examples on every run and machine, so CI is repeatable and a
# failure reproduces. No example database: nothing is carried between runs either.
# Health checks: requests to real servers are slow by hypothesis's measure, and some
# examples are large on purpose. Shrinking stays on so that a failure is minimal.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=(
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ),
)

# Any code point, lone surrogates included (JSON can carry them as "\\ud800" escapes,
# and the socket can carry them in a binary frame); hypothesis leaves them out by
# default.
ANY_CHAR = st.one_of(
    st.characters(), st.characters(categories=["Cs"]), st.characters(categories=["Cc", "Cf"])
)
ANY_TEXT = st.text(ANY_CHAR, max_size=60)
SURROGATE = re.compile("[\ud800-\udfff]")
HANGUL_TEXT = st.text(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), max_size=40)
# Huge strings without making hypothesis draw every character: a piece repeated.
HUGE_TEXT = st.builds(
    lambda piece, times: piece * times,
    st.text(ANY_CHAR, min_size=1, max_size=4),
    st.integers(min_value=500, max_value=40_000),
)
TEXT = st.one_of(ANY_TEXT, HANGUL_TEXT, HUGE_TEXT, st.text(max_size=20))
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    ANY_TEXT,
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(ANY_TEXT, children, max_size=5)
    ),
    max_leaves=12,
)
# Deeply nested arrays and objects: a recursive parser or serialiser gives up on them.
DEEP_JSON = st.builds(
    lambda depth, kind: (
        ("[" * depth + "]" * depth) if kind else ('{"a":' * depth + "1" + "}" * depth)
    ),
    st.integers(min_value=50, max_value=20_000),
    st.booleans(),
)


def dumps(value: Any, ascii_only: bool) -> bytes:
    """JSON as a client might send it: NaN and Infinity included, lone surrogates kept
    (escaped when ascii_only, else written as invalid UTF-8 the server must refuse)."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


INVALID_UTF8 = st.binary(min_size=1, max_size=40).map(lambda raw: raw + b"\xff\xc3(")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class KeptConnection:
    """Requests over one kept-alive HTTP/1.1 connection, as a busy client would send
    them. The server may end the connection (after a body it refused, or when it keeps
    it no longer); then the next request opens a new one and `reopened` counts it."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.host = parts.hostname
        self.port = parts.port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.reopened = 0

    def _open(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, self.timeout)
            self.reopened += 1
        return self.connection

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        for attempt in (1, 2):
            connection = self._open()
            try:
                connection.request(method, path, body=body, headers=sent)
                reply = connection.getresponse()
                data = reply.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had already closed; once only, so a
                # server that drops every request fails the test.
                self.close()
                if attempt == 2:
                    raise
                continue
            except BaseException:
                # A timeout or an interrupted read leaves the connection unusable.
                self.close()
                raise
            if reply.will_close:
                self.close()
            return Answer(reply.status, reply.headers, data)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- the stack's processes and memory ---------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces and parentheses: the fields follow the last ")".
    return raw[raw.rindex(")") + 2 :].split()


def stack_pids(stack: Stack) -> dict[int, str]:
    """Every process of the stack, children (Rasa's workers) included: each server
    leads a session of its own (bot.stack starts them with start_new_session)."""
    sessions = {process.pid for process in stack.processes}
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry.name))
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        # state, ppid, pgrp, session: a zombie is a dead process, not a running one.
        if int(fields[3]) in sessions and fields[0] != "Z":
            found[int(entry.name)] = command.strip()
    return found


def _rollup(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        number = rest.split()
        if number and number[0].isdigit():
            values[name] = int(number[0]) * 1024
    return values


@dataclass(frozen=True)
class Memory:
    """The stack's processes' memory from /proc/<pid>/smaps_rollup, in bytes per pid.

    The bound is checked on anonymous memory (heaps, Python objects, Redis's data), where
    any leak lands. PSS and RSS are reported too but are no measure to assert on: PSS
    divides each file page (the virtualenv's TensorFlow libraries, the model) among
    every process on the machine that maps it, so another test session starting or
    ending moved the stack's PSS by over 100 MiB that no request caused (measured: the
    Rasa server's first process, which answers none, went 382 -> 500 MiB while a second
    stack from the same virtualenv exited). A
    page shared by fork (Rasa's workers) counts once in each process that maps it,
    before and after a copy-on-write alike, so the sum does not move when one is copied.
    """

    anonymous: dict[int, int]
    pss: dict[int, int]
    rss: dict[int, int]

    @property
    def total_anonymous(self) -> int:
        return sum(self.anonymous.values())

    @property
    def total_pss(self) -> int:
        return sum(self.pss.values())

    @property
    def total_rss(self) -> int:
        return sum(self.rss.values())


def stack_memory(stack: Stack) -> Memory:
    anonymous: dict[int, int] = {}
    pss: dict[int, int] = {}
    rss: dict[int, int] = {}
    for pid in stack_pids(stack):
        rollup = _rollup(pid)
        anonymous[pid] = rollup["Anonymous"]
        pss[pid] = rollup["Pss"]
        rss[pid] = rollup["Rss"]
    return Memory(anonymous, pss, rss)


MIB = 1024 * 1024
# Memory is compared from the WARM_UP-th example on. The first requests of a kind load
# code and fill caches once: a Rasa worker's first turns build TensorFlow's graphs
# (+47 MiB in one worker, measured), Redis grows its tables. That is no growth per
# request, and it depends on which worker the kernel handed the first connections to.
WARM_UP = 200
# Whole-stack anonymous memory growth over the remaining 1,800 or more examples.
# Measured after the warm-up: REST +49 MiB (one Rasa worker +26: the trackers it keeps
# for the next turn, up to 256 conversations per worker, bot/tracker/kept.py; Redis +10:
# the conversations the examples stored, kept for good until retention exists; the
# action server +9), sign-in +29 (scrypt's 16 MiB buffers left in glibc arenas), widget,
# API and editor under +5 each. Those are bounded caches and allocator behaviour, not
# growth per request, so the bound is over twice the largest: glibc arenas, Python's
# free lists and Redis's allocator keep freed memory and give it back in steps of
# megabytes, in six processes. What it catches: a leak of about 100 KB or more per
# request (1,800 x 100 KB = 172 MiB), such as a tracker or a response kept for every
# call. What it cannot: a leak of a few KB per request (the REST bodies average 17 KB,
# so keeping every one would add about 33 MiB); that would take far more examples than
# a CI run affords. Sizes only: nothing here depends on timing or CPU speed.
GROWTH_BOUND = 128 * MIB


@dataclass
class Run:
    """One surface's fuzz run: counts what was sent and what came back, and checks the
    stack afterwards: the same processes alive, memory within GROWTH_BOUND."""

    stack: Stack
    name: str
    pids: dict[int, str] = field(default_factory=dict)
    before: Memory | None = None
    warm: Memory | None = None
    started: float = 0.0
    sent: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def __enter__(self) -> Run:
        self.pids = stack_pids(self.stack)
        self.before = stack_memory(self.stack)
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def count(self, outcome: object) -> None:
        self.sent += 1
        key = str(outcome)
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if self.sent == WARM_UP:
            self.warm = stack_memory(self.stack)

    def check_stack(self) -> Memory:
        """No process died or was replaced; anonymous memory grew less than GROWTH_BOUND
        after the warm-up. Prints what was measured, for the record (durations are reported, never
        asserted)."""
        seconds = time.monotonic() - self.started
        assert self.stack.failed_process() is None, "a server of the stack exited"
        after_pids = stack_pids(self.stack)
        assert after_pids == self.pids, f"processes changed: {self.pids} -> {after_pids}"
        assert self.before is not None and self.warm is not None
        after = stack_memory(self.stack)
        growth = after.total_anonymous - self.warm.total_anonymous
        print(
            f"\n[fuzz {self.name}] {self.sent} sent in {seconds:.0f} s; answers {self.statuses}\n"
            f"    stack anonymous memory {self.before.total_anonymous / MIB:.1f} MiB before,"
            f" {self.warm.total_anonymous / MIB:.1f} after {WARM_UP} (warm-up),"
            f" {after.total_anonymous / MIB:.1f} after all: {growth / MIB:+.1f} MiB since the"
            f" warm-up; PSS {self.before.total_pss / MIB:.1f} -> {self.warm.total_pss / MIB:.1f}"
            f" -> {after.total_pss / MIB:.1f} MiB; RSS {self.before.total_rss / MIB:.1f} ->"
            f" {after.total_rss / MIB:.1f} MiB"
        )
        for pid, command in sorted(after_pids.items()):
            print(
                f"    {pid} {command[:60]}: anonymous {self.before.anonymous[pid] / MIB:.1f} ->"
                f" {self.warm.anonymous[pid] / MIB:.1f} -> {after.anonymous[pid] / MIB:.1f} MiB,"
                f" PSS {self.before.pss[pid] / MIB:.1f} -> {after.pss[pid] / MIB:.1f} MiB"
            )
        assert growth < GROWTH_BOUND, (
            f"the stack's anonymous memory grew by {growth / MIB:.1f} MiB after the warm-up,"
            f" over {GROWTH_BOUND / MIB:.0f} MiB"
        )
        return after


def forget_handoffs(
    stack: Stack, conversation_ids: Iterable[str], agent_ids: Iterable[str]
) -> None:
    """Take what a fuzz run queued or claimed out of the handoff queues, so the handoff
    tests that share the session's stack find the queues and agents as they left them."""
    assert stack.redis_settings is not None
    client = stack.redis_settings.client()
    try:
        # Ids that are no UTF-8 text were refused, so nothing was stored for them.
        ids = [cid for cid in conversation_ids if not SURROGATE.search(cid)]
        for key in client.scan_iter("eva:handoff:queue:*"):
            for start in range(0, len(ids), 500):
                client.zrem(key, *ids[start : start + 500])
        for start in range(0, len(ids), 500):
            client.delete(*(f"eva:handoff:conv:{cid}" for cid in ids[start : start + 500]))
        for agent_id in agent_ids:
            client.delete(f"eva:handoff:agent:{agent_id}")
            for key in client.scan_iter("eva:handoff:online:*"):
                client.zrem(key, agent_id)
    finally:
        client.close()


# --- the web service's accounts ---------------------------------------------------------

# Accounts of the fuzz tests' own, added to the running stack's handoff.yml for the run
# and taken out after it, so the fuzzing never holds the chats, capacity or sign-in
# failures of the agents the other tests use.
FUZZ_AGENT = TestAgent(
    "fuzz-agent",
    "Fuzz Agent",
    ("ko", "en"),
    "fuzz-agent-pw",
    "token-fuzz-agent-0123456789",
    max_chats=2,
)
FUZZ_EDITOR = TestAgent(
    "fuzz-editor",
    "Fuzz Editor",
    (),
    "fuzz-editor-pw",
    "token-fuzz-editor-0123456789",
    roles=("editor",),
)


@contextmanager
def fuzz_accounts(config: HandoffTestConfig) -> Iterator[tuple[TestAgent, TestAgent]]:
    added = [FUZZ_AGENT.config(), FUZZ_EDITOR.config()]
    config.data["agents"].extend(added)
    config.write()
    try:
        yield FUZZ_AGENT, FUZZ_EDITOR
    finally:
        config.data["agents"] = [a for a in config.data["agents"] if a not in added]
        config.write()


def forget_signin_failures(stack: Stack) -> None:
    """Failed sign-ins counted against 127.0.0.1 would lock every later sign-in of the
    session's tests out for the window (handoff.yml `signin`)."""
    assert stack.redis_settings is not None
    delete_keys(stack.redis_settings, f"{SIGNIN_PREFIX}:*")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# What a client may put in a path segment: anything, percent-encoded.
PATH_SEGMENT = st.one_of(ANY_TEXT, st.text(max_size=200), st.just(""), st.just("..")).map(
    lambda text: quote(text.encode("utf-8", "surrogatepass"), safe="")
)
# Header values http.client can send (no CR or LF), of any shape otherwise.
HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300)
