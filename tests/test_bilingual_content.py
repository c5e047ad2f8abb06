"""Every intent, FAQ entry and response exists in Korean and English."""

import json
from pathlib import Path

import pytest

from bot.faq.store import load_faq
from bot.language import SUPPORTED_LANGUAGES
from bot.stack import PROJECT_DIR
from tests.content import (
    FAQ_DIR,
    NLU_DIR,
    TEST_SPLIT_DIR,
    domain,
    examples_by_label,
    normalised,
)

MIN_EXAMPLES_PER_INTENT = 40
MIN_QUESTIONS_PER_FAQ = 8
# The names other parts and tests rely on; `inform` carries the order form's answers.
CONTRACT_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "order_status",
    "cancel_order",
    "refund_dispute",
    "request_agent",
    "out_of_scope",
    "faq",
]
INTENTS = [*CONTRACT_INTENTS, "inform"]


def test_domain_has_the_contract_intents_and_no_others():
    assert domain()["intents"] == INTENTS


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_intent_has_enough_examples_in_each_language(language):
    examples = examples_by_label(NLU_DIR / language)
    for intent in INTENTS:
        if intent == "faq":
            continue
        count = len(examples.get(intent, []))
        assert count >= MIN_EXAMPLES_PER_INTENT, f"{intent} has {count} {language} examples"


def test_every_faq_entry_has_questions_and_an_answer_in_each_language():
    entries = load_faq(FAQ_DIR)
    assert len(entries) >= 30
    for entry in entries.values():
        for language in SUPPORTED_LANGUAGES:
            assert len(entry.questions[language]) >= MIN_QUESTIONS_PER_FAQ, entry.key
            assert entry.answer[language].strip(), entry.key
    faq_questions = sum(
        len(e.questions[lang]) for e in entries.values() for lang in SUPPORTED_LANGUAGES
    )
    assert faq_questions >= 2 * MIN_EXAMPLES_PER_INTENT


def test_every_faq_entry_names_its_source_article():
    seeds = PROJECT_DIR.parent / "shared" / "seeds"
    for entry in load_faq(FAQ_DIR).values():
        assert entry.source.title
        assert Path(entry.source.file).name == entry.source.file
        if seeds.is_dir():
            article = seeds / entry.source.file
            assert article.is_file(), f"{entry.key}: no article {entry.source.file}"
            assert article.read_text("utf-8").splitlines()[0].strip() == entry.source.title


def test_every_response_has_one_korean_and_one_english_variation():
    for name, variations in domain()["responses"].items():
        languages = []
        for variation in variations:
            conditions = variation.get("condition") or []
            assert len(conditions) == 1, f"{name}: a variation without a language"
            assert conditions[0]["name"] == "language"
            languages.append(conditions[0]["value"])
            assert variation["text"].strip()
        assert sorted(languages) == sorted(SUPPORTED_LANGUAGES), name


def test_buttons_come_in_the_same_number_and_payloads_name_real_intents():
    intents = set(domain()["intents"])
    for name, variations in domain()["responses"].items():
        payload_sets = {tuple(b["payload"] for b in v.get("buttons", [])) for v in variations}
        assert len(payload_sets) == 1, f"{name}: ko and en buttons differ"
        for payload in next(iter(payload_sets)):
            intent, _, entities = payload[1:].partition("{")
            assert payload.startswith("/") and intent in intents, f"{name}: {payload}"
            if entities:
                assert json.loads("{" + entities), f"{name}: {payload}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_held_out_split_covers_every_intent_and_is_never_trained_on(language):
    held_out = examples_by_label(TEST_SPLIT_DIR / language)
    for intent in INTENTS:
        if intent != "faq":
            assert len(held_out.get(intent, [])) >= 10, f"{intent} ({language})"
    assert sum(1 for label in held_out if label.startswith("faq/")) >= 30

    # One model serves both languages, so nothing in either training set counts.
    faq = load_faq(FAQ_DIR)
    training = {
        normalised(text)
        for lang in SUPPORTED_LANGUAGES
        for texts in examples_by_label(NLU_DIR / lang).values()
        for text in texts
    }
    training |= {
        normalised(q)
        for e in faq.values()
        for lang in SUPPORTED_LANGUAGES
        for q in e.questions[lang]
    }
    for label, texts in held_out.items():
        if label.startswith("faq/"):
            assert label.split("/", 1)[1] in faq, label
        for text in texts:
            assert normalised(text) not in training, f"held-out example is in training: {text}"
