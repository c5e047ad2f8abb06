"""EVA_ENV=production: the settings a live deployment must not start without.

`make run` is the demo: it makes up secrets, signs in the demo agents and lets the
widget talk from localhost. A server started with EVA_ENV=production refuses to start
while any of that is left (docs/security.md lists the checks), and says why in Korean
and English, so the demo's defaults can never quietly go live.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NoReturn

ENV_VARIABLE = "EVA_ENV"
PRODUCTION = "production"
# 32 characters of token_urlsafe are 192 bits: beyond guessing over the network.
MIN_SECRET_CHARS = 32
# The exit status of a refused start (EX_CONFIG: a configuration error).
REFUSED_EXIT_STATUS = 78


@dataclass(frozen=True)
class Bilingual:
    """Something that must change before going live, said in both languages."""

    ko: str
    en: str


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(ENV_VARIABLE, "")
    return value.strip().lower() == PRODUCTION


def secret_problems(name: str, environ: Mapping[str, str] | None = None) -> list[Bilingual]:
    """The environment variable `name` is missing or shorter than MIN_SECRET_CHARS."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        return [Bilingual(f"{name} 값이 없어요.", f"{name} is not set.")]
    if len(value) < MIN_SECRET_CHARS:
        return [
            Bilingual(
                f"{name} 값이 너무 짧아요({len(value)}자). {MIN_SECRET_CHARS}자 이상의 "
                "무작위 값을 쓰세요.",
                f"{name} is too short ({len(value)} characters); use a random value of at "
                f"least {MIN_SECRET_CHARS}.",
            )
        ]
    return []


def refusal_text(component: Bilingual, problems: Iterable[Bilingual]) -> str:
    """`component` names what refuses to start, in both languages."""
    lines = [
        f"운영 모드(EVA_ENV=production)에서는 {component.ko}를 시작할 수 없어요. 고칠 점:",
        f"The {component.en} will not start in production mode (EVA_ENV=production). To fix:",
    ]
    for problem in problems:
        lines += [f"  - {problem.ko}", f"    {problem.en}"]
    lines.append("자세한 내용 / details: docs/security.md")
    return "\n".join(lines)


def refuse_to_start(component: Bilingual, problems: list[Bilingual]) -> NoReturn:
    print(refusal_text(component, problems), file=sys.stderr, flush=True)
    sys.exit(REFUSED_EXIT_STATUS)
