"""The printed report: errors, then warnings, each `file:line: message`, then a summary."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content_checks.findings import Finding
from bot.content_checks.messages import message, render
from bot.language import Language


def report_lines(
    errors: Sequence[Finding], warnings: Sequence[Finding], language: Language
) -> list[str]:
    lines: list[str] = []
    for key, findings in (("report.errors", errors), ("report.warnings", warnings)):
        if findings:
            lines.append(message(language, key, {"count": len(findings)}))
            lines += [render(f, language) for f in findings]
            lines.append("")
    if not errors and not warnings:
        lines.append(message(language, "report.clean"))
    lines.append(
        message(language, "report.summary", {"errors": len(errors), "warnings": len(warnings)})
    )
    return lines
