"""Conversation ids out of Rasa's own log lines (issue #21: ids are not written to logs in
full).

A conversation id opens nothing alone any more (widget ids are signed, REST conversations
belong to their integration), but logs are read by more people and kept longer than
Redis. Our own log lines name a conversation by `masked_id`; this filter does the same
for Rasa's stdlib log lines that name a sender, such as the processor's "Circuit breaker
tripped ... for sender '<id>'" warning. A logging filter, not a patch: Rasa's code is
untouched. Rasa's DEBUG output (structlog) still names senders; production does not run
at DEBUG.
"""

from __future__ import annotations

import logging
import re

from handoff.audit import masked_id

# The loggers of the server's stdlib log lines that name a sender (Rasa 3.6: only the
# processor's circuit breaker), and how they name it.
LOGGERS = ("rasa.core.processor",)
_SENDER = re.compile(r"(sender) '([^']+)'")


class MaskSenderIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _SENDER.sub(lambda m: f"{m.group(1)} '{masked_id(m.group(2))}'", message)
        if masked != message:
            # The formatted line replaces the template: its arguments are in it already.
            record.msg, record.args = masked, None
        return True


def install() -> None:
    """Idempotent: one filter per logger however often the server starts."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskSenderIds) for f in logger.filters):
            logger.addFilter(MaskSenderIds())
