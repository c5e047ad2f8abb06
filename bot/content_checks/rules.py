"""Our rules that span files: enough examples, no text under two labels, known intents."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

from rasa.shared.core.constants import DEFAULT_INTENTS

from bot.content_checks.dialogue import IntentUse
from bot.content_checks.domain import Domain
from bot.content_checks.findings import Finding, Term, error, warning
from bot.content_checks.nlu import Example, NluFile, normalised
from bot.language import SUPPORTED_LANGUAGES

# The retrieval intent: its examples are the FAQ questions, counted per entry instead.
FAQ_INTENT = "faq"
DEFAULT_MIN_EXAMPLES = 40


def known_intents(domain: Domain) -> set[str]:
    """The domain's intents plus those Rasa always has (nlu_fallback, restart, ...)."""
    return set(domain.intents) | set(DEFAULT_INTENTS)


def count_examples(nlu_files: Iterable[NluFile]) -> dict[tuple[str, str], int]:
    """Examples per (intent, language) in the language folders data/nlu/<ko|en>/."""
    counts: dict[tuple[str, str], int] = {}
    for nlu_file in nlu_files:
        if nlu_file.language is None:
            continue
        for example in nlu_file.examples():
            key = (example.label, nlu_file.language)
            counts[key] = counts.get(key, 0) + 1
    return counts


def check_example_counts(
    domain: Domain, nlu_files: Iterable[NluFile], minimum: int = DEFAULT_MIN_EXAMPLES
) -> list[Finding]:
    """Every intent of the domain but `faq` has `minimum` examples in each language."""
    counts = count_examples(nlu_files)
    findings: list[Finding] = []
    for intent, at in domain.intents.items():
        if intent == FAQ_INTENT:
            continue
        for language in SUPPORTED_LANGUAGES:
            count = counts.get((intent, language), 0)
            if count < minimum:
                findings.append(
                    error(
                        "rules.too_few_examples",
                        at,
                        intent=intent,
                        language=Term(f"lang.{language}"),
                        count=count,
                        minimum=minimum,
                        folder=f"data/nlu/{language}/",
                    )
                )
    return findings


def _unknown(intent: str, known: Collection[str]) -> tuple[str, dict[str, str]]:
    close = difflib.get_close_matches(intent, sorted(known), n=1)
    if close:
        return "rules.unknown_intent_hint", {"suggestion": close[0]}
    return "rules.unknown_intent", {}


def check_intent_names(
    domain: Domain,
    nlu_files: Iterable[NluFile],
    uses: Iterable[IntentUse],
    faq_keys: Collection[str],
) -> list[Finding]:
    """Intents named by NLU files, rules, stories and slot mappings exist in the domain."""
    known = known_intents(domain)
    findings: list[Finding] = []
    for nlu_file in nlu_files:
        for item in nlu_file.items:
            base = item.name.partition("/")[0]
            if item.kind == "intent" and base not in known:
                key, extra = _unknown(base, known)
                findings.append(error(key, item.at, intent=item.name, place="NLU", **extra))
    for use in uses:
        base, _, faq_key = use.intent.partition("/")
        if base not in known:
            key, extra = _unknown(base, known)
            findings.append(error(key, use.at, intent=use.intent, place=use.block, **extra))
        elif faq_key and base == FAQ_INTENT and faq_key not in faq_keys:
            findings.append(error("rules.unknown_faq_key", use.at, intent=use.intent))
    return findings


def _same_text_key(example: Example) -> tuple[str, str, str | None]:
    """The very same text (but for case and spacing), label and language."""
    return (" ".join(example.plain_text.casefold().split()), example.label, example.language)


def check_duplicate_examples(examples: Iterable[Example]) -> list[Finding]:
    """No text (compared without case, spaces, punctuation, annotations) under two labels.

    Under one label, near-copies are fine ("thank you" / "thankyou" are both typed),
    and so is the same text in both languages ("ok" is Korean chat too); the very
    same text twice in one language is only a warning: it adds nothing.
    """
    seen: dict[str, dict[str, Example]] = {}
    exact: dict[tuple[str, str, str | None], Example] = {}
    findings: list[Finding] = []
    for example in examples:
        text = normalised(example.text)
        if not text:
            continue
        labels = seen.setdefault(text, {})
        if example.label in labels:
            first = exact.setdefault(_same_text_key(example), example)
            if first is not example:
                findings.append(
                    warning(
                        "rules.repeated_example",
                        example.at,
                        text=example.text,
                        label=example.label,
                        where=str(first.at),
                    )
                )
            continue
        if labels:
            first = next(iter(labels.values()))
            findings.append(
                error(
                    "rules.example_conflict",
                    example.at,
                    text=example.text,
                    label=example.label,
                    other=first.label,
                    where=str(first.at),
                )
            )
        labels[example.label] = example
        exact[_same_text_key(example)] = example
    return findings
