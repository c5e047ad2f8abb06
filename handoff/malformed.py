"""Malformed requests to the web service: a 400 (or 413) in Korean and English, and at
most one INFO line, never an ERROR traceback.

Anyone can send these as often as they like, so a traceback for each would let them
flood the log and bury the tracebacks of real bugs, which still reach Sanic's error
handler and its ERROR log untouched. What Sanic 21.12 itself got wrong:

- `request.form` logs "Failed when parsing form" with a traceback for a body that is
  not UTF-8 or a multipart body without a boundary or of the wrong shape; our forms are
  read by `form_fields` instead.
- a Content-Length that is not a number, or a Transfer-Encoding other than chunked
  (there is then no Content-Length to read), fail inside Sanic's header parser as a 500
  with a traceback; `_check_framing` refuses them first.
- after a bad chunked body is answered, Sanic tries to read the rest of that body
  again, fails the same way outside any handler and logs "connection_task uncaught".
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl

from sanic import Sanic
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.headers import parse_content_header
from sanic.request import Request
from sanic.response import HTTPResponse

from handoff.errors import error_response

logger = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"
# More fields than any form of ours has, by far; a body of thousands is no sign-in.
MAX_FORM_FIELDS = 20
_DIGITS = re.compile(r"[0-9]{1,18}")


class MalformedRequest(InvalidUsage):
    """A request this service cannot read; `code` is its key in handoff.errors.ERRORS."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def form_fields(request: Request) -> dict[str, str]:
    """The fields of a form our pages post (urlencoded UTF-8; the first of repeated
    names). Raises MalformedRequest for any other body: another content type, bytes
    that are not UTF-8, too many fields."""
    if not request.body:
        return {}
    content_type, _ = parse_content_header(request.headers.getone("content-type", ""))
    if content_type.lower() != FORM_TYPE:
        raise MalformedRequest("invalid_form")
    try:
        pairs = parse_qsl(
            request.body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError as error:  # UnicodeDecodeError included
        raise MalformedRequest("invalid_form") from error
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


async def _check_framing(request: Request) -> None:
    """Before Sanic reads the body: one Content-Length, a plain number; no
    Transfer-Encoding but chunked (Sanic knows no other, and would look for a length)."""
    lengths = set(request.headers.getall("content-length", []))
    codings = request.headers.getall("transfer-encoding", [])
    if codings and codings != ["chunked"]:
        raise MalformedRequest("bad_request")
    if len(lengths) > 1 or any(not _DIGITS.fullmatch(value) for value in lengths):
        raise MalformedRequest("bad_request")


def _refused(request: Request, exception: Exception) -> HTTPResponse:
    code = exception.code if isinstance(exception, MalformedRequest) else "bad_request"
    stream = request.stream
    if stream is not None and not stream.keep_alive:
        # Sanic closes this connection after the answer (a broken chunked body): there
        # is no rest of the body to read, and trying again would fail outside any handler.
        stream.request_body = None
    logger.info("answered 400 (%s) to %s %r", code, request.method, request.path[:200])
    return error_response(code, 400)


def _too_large(request: Request, exception: Exception) -> HTTPResponse:
    return error_response("body_too_large", 413)


def refuse_malformed_requests(app: Sanic) -> None:
    """Installs the checks and answers above on `app`."""
    app.signal("http.lifecycle.request")(_check_framing)
    app.error_handler.add(InvalidUsage, _refused)
    app.error_handler.add(PayloadTooLarge, _too_large)
