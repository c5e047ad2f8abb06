"""Every intent, FAQ entry and response exists in Korean and English.

The checks live in bot.content_checks, which `eva validate` runs for editors;
these tests hold the real project to them.
"""

import pytest

from bot.content_checks.faq import FaqRules, check_faq_rules
from bot.content_checks.findings import Finding, Term
from bot.content_checks.messages import render
from bot.content_checks.nlu import examples_by_intent, normalised
from bot.content_checks.responses import check_responses
from bot.content_checks.rules import check_example_counts
from bot.content_checks.runner import Content, default_seeds_dir, read_project
from bot.language import SUPPORTED_LANGUAGES
from bot.stack import PROJECT_DIR
from tests.content import TEST_SPLIT_DIR

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
# Ours on top of the contract: answers inside forms, and tickets outside staffed hours.
INTENTS = [
    *CONTRACT_INTENTS[: CONTRACT_INTENTS.index("request_agent") + 1],
    "leave_message",
    "request_callback",
    "out_of_scope",
    "faq",
    "inform",
]


@pytest.fixture(scope="module")
def read() -> tuple[Content, list[Finding]]:
    """The project's files as `eva validate` reads them, and what is wrong with their shape."""
    return read_project(PROJECT_DIR)


@pytest.fixture(scope="module")
def project(read: tuple[Content, list[Finding]]) -> Content:
    content, _ = read
    assert content.domain is not None
    return content


def said(findings: list[Finding]) -> list[str]:
    return [render(f, "en") for f in findings]


def test_domain_has_the_contract_intents_and_no_others(project):
    assert list(project.domain.intents) == INTENTS


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_intent_has_enough_examples_in_each_language(project, language):
    too_few = [
        f
        for f in check_example_counts(project.domain, project.nlu_files, MIN_EXAMPLES_PER_INTENT)
        if f.params["language"] == Term(f"lang.{language}")
    ]
    assert not too_few, said(too_few)


def test_every_faq_entry_has_questions_and_an_answer_in_each_language(read, project):
    _, shape_problems = read
    entries = [item for faq_file in project.faq_files for item in faq_file.items]
    assert len(entries) >= 30
    # Missing or empty answers and question lists are shape problems of the FAQ files.
    problems = [f for f in shape_problems if f.at and f.at.file.startswith("data/faq/")]
    problems += [
        f
        for f in check_faq_rules(project.faq_files, FaqRules(MIN_QUESTIONS_PER_FAQ))
        if f.key == "faq.too_few_questions"
    ]
    assert not problems, said(problems)
    assert all(set(e.questions) == set(SUPPORTED_LANGUAGES) for e in entries)
    faq_questions = sum(len(questions) for e in entries for questions in e.questions.values())
    assert faq_questions >= 2 * MIN_EXAMPLES_PER_INTENT


def test_every_faq_entry_names_its_source_article(project):
    entries = [item for faq_file in project.faq_files for item in faq_file.items]
    assert all(e.source_file and e.source_title for e in entries)
    # A file name (not a path) and, when ../shared/seeds is there, an article in it
    # whose first line is the title.
    rules = FaqRules(MIN_QUESTIONS_PER_FAQ, default_seeds_dir(PROJECT_DIR))
    problems = [
        f for f in check_faq_rules(project.faq_files, rules) if f.key.startswith("faq.source")
    ]
    assert not problems, said(problems)


def _is_button_problem(finding: Finding) -> bool:
    return finding.key.startswith(("responses.button", "responses.payload"))


def test_every_response_has_one_korean_and_one_english_variation(project):
    assert project.domain.responses
    problems = [
        f for f in check_responses(project.domain, project.faq_keys) if not _is_button_problem(f)
    ]
    assert not problems, said(problems)


def test_buttons_come_in_the_same_number_and_payloads_name_real_intents(project):
    problems = [
        f for f in check_responses(project.domain, project.faq_keys) if _is_button_problem(f)
    ]
    assert not problems, said(problems)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_held_out_split_covers_every_intent_and_is_never_trained_on(project, language):
    held_out = examples_by_intent(TEST_SPLIT_DIR / language)
    for intent in INTENTS:
        if intent != "faq":
            assert len(held_out.get(intent, [])) >= 10, f"{intent} ({language})"
    assert sum(1 for label in held_out if label.startswith("faq/")) >= 30

    # One model serves both languages, so nothing in either training set counts.
    training = {normalised(example.text) for example in project.examples()}
    for label, texts in held_out.items():
        if label.startswith("faq/"):
            assert label.split("/", 1)[1] in project.faq_keys, label
        for text in texts:
            assert normalised(text) not in training, f"held-out example is in training: {text}"
