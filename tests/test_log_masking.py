"""Rasa's own log lines name a conversation only by its digest (issue #21)."""

from __future__ import annotations

import logging

import pytest

from bot import log_masking
from handoff.audit import masked_id


def test_the_circuit_breaker_warning_names_the_sender_by_its_digest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_masking.install()
    log_masking.install()
    processor = logging.getLogger("rasa.core.processor")
    assert sum(isinstance(f, log_masking.MaskSenderIds) for f in processor.filters) == 1
    sender = "shopper-3f9c2a1b7d"
    with caplog.at_level(logging.WARNING, logger="rasa.core.processor"):
        # Rasa's own wording (rasa/core/processor.py, ActionLimitReached).
        processor.warning(
            f"Circuit breaker tripped. Stopped predicting more actions for sender '{sender}'."
        )
        processor.warning("Loaded %s for sender '%s'", "a tracker", sender)
        processor.warning("nothing to mask here")
    lines = [record.getMessage() for record in caplog.records]
    assert all(sender not in line for line in lines), lines
    assert lines[0].endswith(f"for sender '{masked_id(sender)}'.")
    assert lines[1] == f"Loaded a tracker for sender '{masked_id(sender)}'"
    assert lines[2] == "nothing to mask here"
