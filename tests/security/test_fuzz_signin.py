"""Fuzzing the sign-in forms, /agent/login and /editor/login (issue #21).

Forms of any shape: urlencoded with odd, missing, repeated, huge or badly encoded
fields, multipart bodies, bytes that are no form, odd cookies and Accept-Language
headers. Sign-in is throttled per account and per IP (handoff.yml `signin`), so most
tries soon get 429: a valid answer. To keep reaching the password check too, the test
forgets the counted failures every FORGET_EVERY examples. Afterwards a right password
still signs in and a wrong one is still refused.
"""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from handoff.auth import SESSION_COOKIE
from tests.security.fuzzing import (
    ANY_TEXT,
    EXAMPLES,
    FUZZ,
    HEADER_VALUE,
    HUGE_TEXT,
    INVALID_UTF8,
    KeptConnection,
    Run,
    forget_signin_failures,
    fuzz_accounts,
)

FORMS = ("/agent/login", "/editor/login")
FORGET_EVERY = 100
# What a sign-in may answer: the page again (401 wrong, 429 throttled, 403 without the
# role), or a redirect to the console after a right password (the generated fields
# include the fuzz accounts' ids and one password, so that path runs too).
ANSWERS = {200, 303, 400, 401, 403, 405, 413, 429}


def _form(fields: list[tuple[str, str]]) -> bytes:
    return urlencode(
        [(name, value.encode("utf-8", "surrogatepass")) for name, value in fields]
    ).encode("ascii")


FIELD_NAME = st.one_of(st.sampled_from(["agent_id", "password", "next", ""]), ANY_TEXT)
FIELD_VALUE = st.one_of(
    st.sampled_from(["fuzz-agent", "fuzz-editor", "minji-nobody", "fuzz-agent-pw"]),
    ANY_TEXT,
    HUGE_TEXT,
)
MULTIPART = st.builds(
    lambda name, value, boundary: (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode(
            "utf-8", "surrogatepass"
        )
        + value
        + f"\r\n--{boundary}--\r\n".encode()
    ),
    FIELD_NAME,
    st.binary(max_size=200),
    st.sampled_from(["x", "boundary", ""]),
)
BODY = st.one_of(
    st.lists(st.tuples(FIELD_NAME, FIELD_VALUE), max_size=6).map(_form),
    st.tuples(st.sampled_from(["fuzz-agent", "fuzz-editor"]), st.one_of(ANY_TEXT, HUGE_TEXT)).map(
        lambda pair: _form([("agent_id", pair[0]), ("password", pair[1])])
    ),
    INVALID_UTF8.map(lambda noise: b"agent_id=" + noise + b"&password=" + noise),
    st.binary(max_size=400),
    st.text(st.sampled_from("%=&+ab0F"), max_size=60).map(str.encode),
    MULTIPART,
)
CONTENT_TYPE = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "application/json",
        "",
    ]
)
EXTRA_HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Cookie": HEADER_VALUE.map(lambda value: f"{SESSION_COOKIE}={value}"),
        "Accept-Language": HEADER_VALUE,
    },
)


def test_the_sign_in_forms_survive_generated_posts(bot):
    web = KeptConnection(bot.web_url)
    with fuzz_accounts(bot.handoff_config) as (agent, editor), Run(bot.stack, "sign-in") as run:

        @FUZZ
        @given(
            form=st.sampled_from(FORMS),
            get=st.integers(min_value=0, max_value=9),
            lang=st.one_of(st.none(), ANY_TEXT),
            body=BODY,
            content_type=CONTENT_TYPE,
            headers=EXTRA_HEADERS,
        )
        def sign_in(
            form: str,
            get: int,
            lang: str | None,
            body: bytes,
            content_type: str,
            headers: dict[str, str],
        ) -> None:
            if run.sent % FORGET_EVERY == 0:
                forget_signin_failures(bot.stack)
            sent = dict(headers)
            if content_type:
                sent["Content-Type"] = content_type
            if get == 0:
                # One in ten: the form page itself, in a language of any shape.
                query = (
                    ""
                    if lang is None
                    else "?" + urlencode({"lang": lang.encode("utf-8", "surrogatepass")})
                )
                answer = web.request("GET", form + query, None, sent)
            else:
                answer = web.request("POST", form, body, sent)
            run.count(answer.status)
            assert answer.status in ANSWERS, (answer.status, answer.body[:500])

        try:
            sign_in()
        finally:
            web.close()
            forget_signin_failures(bot.stack)

        assert run.sent >= EXAMPLES
        # The forms still do their work: a wrong password refused, the right one let in.
        check = KeptConnection(bot.web_url)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        wrong = _form([("agent_id", agent.id), ("password", "wrong")])
        assert check.request("POST", "/agent/login", wrong, form).status == 401
        right = _form([("agent_id", agent.id), ("password", agent.password)])
        answer = check.request("POST", "/agent/login", right, form)
        assert answer.status == 303 and SESSION_COOKIE in (answer.headers["Set-Cookie"] or "")
        right = _form([("agent_id", editor.id), ("password", editor.password)])
        assert check.request("POST", "/editor/login", right, form).status == 303
        check.close()
        forget_signin_failures(bot.stack)
        run.check_stack()
