"""What the web service refuses to go live with (EVA_ENV=production, bot/production.py).

The shipped handoff.yml signs in the demo agents minji and sam, whose passwords and API
tokens are printed in docs/handoff.md and the README: anyone could read every
conversation of a deployment that kept them. They are recognised by their credentials,
not their ids, so a demo password copied to a renamed account is caught too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse

from bot.production import Bilingual, secret_problems
from handoff.config import AgentConfig, HandoffConfig
from handoff.passwords import token_sha256, verify_password
from handoff.widget_ids import SECRET_ENV as WIDGET_ID_SECRET_ENV
from handoff.widget_socket import allowed_origins

# Printed in docs/handoff.md and README.md: public knowledge.
DEMO_PASSWORDS = ("demo-minji", "demo-sam")
DEMO_TOKENS = ("demo-token-minji", "demo-token-sam")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})

COMPONENT = Bilingual("웹 서비스(상담원 콘솔)", "web service (agent console)")


def demo_credentials(agent: AgentConfig) -> list[str]:
    """Which of the agent's credentials are a demo one: "password", "API token"."""
    found = []
    # A few scrypt runs at start-up (tens of ms each): the price of catching a demo
    # password under any salt or account name.
    if any(verify_password(password, agent.password_hash) for password in DEMO_PASSWORDS):
        found.append("password")
    demo_hashes = {token_sha256(token) for token in DEMO_TOKENS}
    if agent.api_token_sha256 is not None and agent.api_token_sha256 in demo_hashes:
        found.append("API token")
    return found


def _is_local(origin: str) -> bool:
    return (urlparse(origin).hostname or "") in LOCAL_HOSTS


def web_service_problems(
    config: HandoffConfig, environ: Mapping[str, str] | None = None
) -> list[Bilingual]:
    env = os.environ if environ is None else environ
    problems = []
    for agent in config.agents.values():
        if found := demo_credentials(agent):
            what_en = " and ".join(found)
            what_ko = " 및 ".join("비밀번호" if f == "password" else "API 토큰" for f in found)
            problems.append(
                Bilingual(
                    f"상담원 계정 {agent.id!r}: 데모 {what_ko} 그대로예요. "
                    "handoff.yml에서 `eva hash-password`로 만든 값으로 바꾸세요.",
                    f"agent {agent.id!r} still has the demo {what_en}; replace it in "
                    "handoff.yml with `eva hash-password`.",
                )
            )
    problems += secret_problems("RASA_API_TOKEN", env)
    problems += secret_problems(WIDGET_ID_SECRET_ENV, env)
    local = sorted(origin for origin in allowed_origins(config.widget) if _is_local(origin))
    if local:
        problems.append(
            Bilingual(
                f"위젯 허용 출처에 로컬 주소가 있어요: {', '.join(local)} "
                "(handoff.yml widget.allowed_origins, WIDGET_ALLOWED_ORIGINS).",
                f"the widget's allowed origins include local addresses: {', '.join(local)} "
                "(handoff.yml widget.allowed_origins, WIDGET_ALLOWED_ORIGINS).",
            )
        )
    public_url = env.get("PUBLIC_URL", "").strip()
    if not public_url or _is_local(public_url):
        problems.append(
            Bilingual(
                "PUBLIC_URL에 쇼핑객이 접속하는 공개 주소(https://…)를 설정하세요.",
                "set PUBLIC_URL to the public address shoppers reach (https://…).",
            )
        )
    return problems
