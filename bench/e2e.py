"""Benchmarks 1 and 2: whole conversations over REST or the widget, and NLU alone."""

from __future__ import annotations

from bench.clients import ParseClient, RestShopper, new_http_session
from bench.driver import Load, run_load
from bench.runners import Target
from bench.script import Turn, conversations, nlu_texts
from bench.stats import LoadSummary
from bench.widget import WidgetShopper


async def rest_load(target: Target, load: Load) -> LoadSummary:
    async with new_http_session() as http:
        return await run_load(lambda: RestShopper(http, target.rasa_url), conversations(), load)


async def widget_load(target: Target, load: Load) -> LoadSummary:
    return await run_load(lambda: WidgetShopper(target.web_url), conversations(), load)


async def parse_load(target: Target, load: Load) -> LoadSummary:
    texts = [[Turn(text, "ko") for text in nlu_texts()]]
    async with new_http_session() as http:
        return await run_load(
            lambda: ParseClient(http, target.rasa_url, target.api_token), texts, load
        )


async def warm_up(target: Target, widget: bool) -> dict[str, list[str]]:
    """One conversation per language (and over the widget): load what loads lazily.

    Returns what the bot answered to each message, for the report's sample transcript.
    """
    transcript: dict[str, list[str]] = {}
    async with new_http_session() as http:
        for turns in conversations():
            shopper = RestShopper(http, target.rasa_url)
            lines = transcript.setdefault(turns[0].language, [])
            for turn in turns:
                await shopper.say(turn)
                replies = " / ".join(str(reply.get("text") or "") for reply in shopper.replies)
                lines.append(f"{turn.text} → {replies}")
        parser = ParseClient(http, target.rasa_url, target.api_token)
        for text in nlu_texts():
            await parser.say(Turn(text, "ko"))
    if widget:
        for turns in conversations():
            socket = WidgetShopper(target.web_url)
            await socket.open(turns[0].language)
            try:
                for turn in turns:
                    await socket.say(turn)
            finally:
                await socket.close()
    return transcript
