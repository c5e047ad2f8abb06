"""`eva validate`: each check finds its broken file with the right file:line.

Most tests copy the small project in tests/fixtures/content/base (which passes),
break one thing and run the checks without Rasa's validator. Rasa's validator,
slow to import, runs on the real project once for this module and on the small
project once.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.cli import validate
from bot.content_checks import faq as faq_checks
from bot.content_checks.messages import (
    MESSAGES,
    language_from_environment,
    placeholders,
    render,
)
from bot.content_checks.rasa_validation import responses_sent_outside_stories
from bot.content_checks.runner import Options, Result, validate_project
from bot.faq.store import FaqError
from bot.stack import PROJECT_DIR

BASE = Path(__file__).parent / "fixtures" / "content" / "base"
QUICK = Options(min_examples=3, min_faq_questions=3, run_rasa=False)
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    return root


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {rel}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def check(root: Path, **changes: Any) -> Result:
    changes.setdefault("seeds_dir", root / "seeds")
    return validate_project(root, replace(QUICK, **changes))


def places(result: Result, key: str) -> list[str]:
    """Where the findings with this message key are, as `file:line`."""
    return [str(f.at) for f in result.findings if f.key == key]


def run_cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = validate.main(args)
    return code, out.getvalue()


def cli_args(root: Path, *extra: str) -> list[str]:
    return [
        "--project",
        str(root),
        "--min-examples",
        "3",
        "--min-faq-questions",
        "3",
        "--seeds",
        str(root / "seeds"),
        *extra,
    ]


# --- the real project and the clean fixture -------------------------------------------


@pytest.fixture(scope="module")
def real_project_run() -> tuple[int, str]:
    """`eva validate` on the real project, with Rasa's validator, once for the module."""
    return run_cli(["--lang", "en"])


def test_the_real_project_passes(real_project_run):
    code, output = real_project_run
    assert code == 0, output
    assert "Errors" not in output
    assert output.strip().splitlines()[-1] == "0 error(s), 0 warning(s)."


def test_the_fixture_project_passes_with_rasa(project):
    code, output = run_cli(cli_args(project))
    assert code == 0, output
    assert output.strip().splitlines()[-1] == "0 error(s), 0 warning(s)."


def test_rasa_validator_errors_are_reported(project):
    edit(project, "data/rules/rules.yml", "- action: utter_got_it", "- action: action_nowhere")
    code, output = run_cli(cli_args(project))
    assert code == 1
    assert "Rasa: The action 'action_nowhere' is used in the 'an order number' block" in output


def test_rasa_is_skipped_when_files_are_broken(project):
    write(project, "domain.yml", "intents: [greet\n")
    code, output = run_cli(cli_args(project))
    assert code == 1
    assert "Traceback" not in output
    assert "domain.yml:2:1: YAML syntax error" in output
    assert "Rasa's validator was not run" in output


def test_what_rasa_cannot_load_is_an_error_not_a_traceback(project):
    edit(project, "domain.yml", "type: text", "type: nonsense")
    code, output = run_cli(cli_args(project))
    assert code == 1
    assert "Rasa could not load the project: Failed to find slot type, 'nonsense'" in output


def test_a_story_conflict_is_an_error(project):
    write(
        project,
        "data/stories/stories.yml",
        """
        version: "3.1"
        stories:
        - story: hello
          steps:
          - intent: greet
          - action: utter_greet
        - story: hello again
          steps:
          - intent: greet
          - action: utter_got_it
        """,
    )
    code, output = run_cli(cli_args(project))
    assert code == 1
    assert "Rasa found a story/rule conflict: Story structure conflict after intent 'greet':" in (
        output
    )


def test_the_allow_list_knows_form_questions_and_action_responses():
    allowed = responses_sent_outside_stories(PROJECT_DIR)
    assert {"utter_faq", "utter_default", "utter_ask_contact", "utter_invalid_order_id"} <= allowed


# --- YAML -------------------------------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column(project):
    write(
        project,
        "data/nlu/en/base.yml",
        """
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hello
         - intent: inform
        """,
    )
    result = check(project)
    assert places(result, "yaml.syntax") == ["data/nlu/en/base.yml:6:2"]


def test_duplicate_keys_are_found(project):
    edit(project, "data/faq/refunds.yml", "    answer:\n", "    answer:\n      ko: 중복\n")
    result = check(project)
    assert places(result, "yaml.duplicate_key") == ["data/faq/refunds.yml:18"]
    finding = next(f for f in result.findings if f.key == "yaml.duplicate_key")
    assert finding.params == {"key": "ko", "first_line": 17}


def test_non_utf8_file_names_the_byte(project):
    (project / "data/nlu/en/base.yml").write_bytes(
        b'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - caf\xe9\n'
    )
    result = check(project)
    assert places(result, "file.not_utf8") == ["data/nlu/en/base.yml:5"]
    finding = next(f for f in result.findings if f.key == "file.not_utf8")
    assert finding.params == {"offset": 59, "byte": "0xe9"}


def test_empty_and_missing_files(project):
    write(project, "data/rules/empty.yml", "# nothing yet\n")
    (project / "config.yml").unlink()
    result = check(project)
    assert places(result, "file.empty") == ["data/rules/empty.yml"]
    assert places(result, "file.missing") == ["config.yml"]


def test_demo_data_is_not_checked(project):
    # The fixture's data/demo/orders.yml is not even valid YAML.
    assert not check(project).findings


@pytest.mark.parametrize(
    ("rel", "text", "key", "where"),
    [
        ("domain.yml", "- greet\n- inform\n", "file.not_mapping", "domain.yml:1"),
        ("domain.yml", "intents: greet\n", "domain.not_list", "domain.yml:1"),
        ("domain.yml", "responses: {}\n", "domain.no_intents", "domain.yml:1"),
        ("config.yml", "[1, 2]\n", "file.not_mapping", "config.yml:1"),
        ("data/faq/refunds.yml", "- a\n", "faq.no_list", "data/faq/refunds.yml:1"),
        (
            "data/faq/refunds.yml",
            "faq: [hello]\n",
            "faq.entry_not_mapping",
            "data/faq/refunds.yml:1",
        ),
        ("data/nlu/en/base.yml", "nlu: {}\n", "nlu.no_list", "data/nlu/en/base.yml:1"),
        (
            "data/rules/rules.yml",
            "rules: [x]\n",
            "dialogue.block_not_mapping",
            "data/rules/rules.yml:1",
        ),
        (
            "data/rules/rules.yml",
            "rules:\n- rule: a\n",
            "dialogue.no_steps",
            "data/rules/rules.yml:2",
        ),
        (
            "data/rules/rules.yml",
            "rules: []\nrule: []\n",
            "file.unknown_top_key",
            "data/rules/rules.yml:2",
        ),
        (
            "data/rules/rules.yml",
            "version: 3.1\nrules: []\n",
            "file.version_not_text",
            "data/rules/rules.yml:1",
        ),
        (
            "data/rules/rules.yml",
            'a: "\\x07"\nb: \x07\n',
            "yaml.bad_character",
            "data/rules/rules.yml:2:4",
        ),
    ],
)
def test_misshapen_files_are_errors_not_tracebacks(project, rel, text, key, where):
    (project / rel).write_text(text, "utf-8")
    result = check(project)
    assert where in places(result, key)
    code, output = run_cli(cli_args(project, "--no-rasa"))
    assert code == 1
    assert "Traceback" not in output


# --- NLU files ----------------------------------------------------------------------------


def test_nlu_shape_problems(project):
    write(
        project,
        "data/nlu/en/base.yml",
        """
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hello
            hi there
            - good morning

            - hey
        - intent: inform
          regex: order
          examples: |
            - 1234
        - intent: inform
          example: |
            - order 1234
        - just a string
        """,
    )
    result = check(project)
    assert places(result, "nlu.not_a_list_item") == ["data/nlu/en/base.yml:6"]
    assert places(result, "nlu.blank_line") == ["data/nlu/en/base.yml:8"]
    assert places(result, "nlu.item_many_kinds") == ["data/nlu/en/base.yml:10"]
    assert places(result, "nlu.unknown_key") == ["data/nlu/en/base.yml:15"]
    assert places(result, "nlu.no_examples") == ["data/nlu/en/base.yml:14"]
    assert places(result, "nlu.item_not_mapping") == ["data/nlu/en/base.yml:17"]
    assert not [f for f in result.warnings if f.key != "nlu.blank_line"]


def test_regexes_compile_and_never_match_empty_text(project):
    write(
        project,
        "data/nlu/order_id.yml",
        """
        version: "3.1"
        nlu:
        - regex: order_id
          examples: |
            - (?<![0-9])[0-9]{8,20}(?![0-9])
            - ([0-9]{8,20}
            - [0-9]*
        - lookup: carrier
          examples: |
        """,
    )
    result = check(project)
    assert places(result, "nlu.regex_invalid") == ["data/nlu/order_id.yml:6"]
    assert places(result, "nlu.regex_matches_empty") == ["data/nlu/order_id.yml:7"]
    assert places(result, "nlu.no_examples") == ["data/nlu/order_id.yml:8"]


def test_every_intent_needs_enough_examples_per_language(project):
    edit(project, "data/nlu/ko/base.yml", "    - 반가워요\n", "")
    result = check(project)
    assert places(result, "rules.too_few_examples") == ["domain.yml:4"]
    finding = next(f for f in result.findings if f.key == "rules.too_few_examples")
    assert render(finding, "en") == (
        "domain.yml:4: intent 'greet' has 2 Korean examples in data/nlu/ko/, at least 3 needed"
    )
    assert not check(project, min_examples=2).errors


def test_the_same_text_under_two_intents_or_faq_entries(project):
    edit(project, "data/nlu/ko/base.yml", "    - 번호는 [11223344](order_id)\n", "    - Hello!\n")
    edit(project, "data/nlu/en/base.yml", "    - hi there\n", "    - Refund time, please?\n")
    result = check(project)
    assert places(result, "rules.example_conflict") == [
        "data/nlu/en/base.yml:6",
        "data/nlu/ko/base.yml:12",
    ]
    messages = [render(f, "en") for f in result.errors]
    assert messages == [
        "data/nlu/en/base.yml:6: 'Refund time, please?' is an example of 'greet' and of "
        "'faq/refund_time' (at data/faq/refunds.yml:15)",
        "data/nlu/ko/base.yml:12: 'Hello!' is an example of 'inform' and of 'greet' "
        "(at data/nlu/en/base.yml:5)",
    ]


def test_entity_annotations_do_not_hide_a_copy(project):
    edit(project, "data/nlu/en/base.yml", "    - good morning\n", "    - order 12345678\n")
    result = check(project)
    assert places(result, "rules.example_conflict") == ["data/nlu/en/base.yml:10"]


def test_the_same_text_twice_in_one_language_is_a_warning(project):
    edit(project, "data/nlu/en/base.yml", "    - good morning\n", "    - Hello\n")
    result = check(project)
    assert not result.errors
    assert places(result, "rules.repeated_example") == ["data/nlu/en/base.yml:7"]
    code, _ = run_cli(cli_args(project, "--no-rasa"))
    assert code == 0


# --- FAQ ---------------------------------------------------------------------------------


def test_every_problem_of_a_faq_entry_is_reported(project):
    write(
        project,
        "data/faq/returns.yml",
        """
        faq:
          - key: Bad-Key
            source:
              file: refunds.txt
            questions:
              ko:
                - 첫 질문
                -
              en: a string
            answer:
              ko: ""
          - key: refund_time
            source: {file: refunds.txt, title: How refunds work}
            questions: {ko: [a, b, c], en: [d, e, f]}
            answer: {ko: 가, en: b}
        """,
    )
    result = check(project)
    rel = "data/faq/returns.yml"
    assert places(result, "faq.bad_key") == [f"{rel}:2"]
    assert places(result, "faq.missing_text") == [f"{rel}:4", f"{rel}:8"]  # title, question
    assert places(result, "faq.questions_not_list") == [f"{rel}:9"]
    assert places(result, "faq.missing_language") == [f"{rel}:10"]
    assert places(result, "faq.empty_answer") == [f"{rel}:11"]
    assert places(result, "faq.duplicate_key") == [f"{rel}:12"]


def test_faq_rules_questions_and_sources(project):
    edit(project, "data/faq/refunds.yml", "        - refund time please\n", "")
    edit(project, "data/faq/refunds.yml", "file: refunds.txt", "file: gone.txt")
    result = check(project)
    assert places(result, "faq.too_few_questions") == ["data/faq/refunds.yml:12"]
    assert places(result, "faq.source_missing") == ["data/faq/refunds.yml:5"]


def test_faq_source_title_and_file_name(project):
    edit(project, "data/faq/refunds.yml", '"How refunds work"', '"Refunds"')
    assert places(check(project), "faq.source_title") == ["data/faq/refunds.yml:5"]
    edit(project, "data/faq/refunds.yml", "file: refunds.txt", "file: seeds/refunds.txt")
    assert places(check(project), "faq.source_not_a_name") == ["data/faq/refunds.yml:5"]


def test_the_articles_beside_the_project_are_found(project):
    seeds = project.parent / "shared" / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "other.txt").write_text("Another article\n", "utf-8")
    result = check(project, seeds_dir=None)
    assert places(result, "faq.source_missing") == ["data/faq/refunds.yml:5"]
    shutil.rmtree(seeds)
    assert not check(project, seeds_dir=None).findings  # no folder: nothing to check against


def test_the_faq_loader_has_the_last_word(project, monkeypatch):
    def reject(path):
        raise FaqError(f"{path}: something only the store knows")

    monkeypatch.setattr(faq_checks, "load_faq", reject)
    result = check(project)
    assert places(result, "faq.loader") == ["data/faq/refunds.yml"]


def test_a_broken_faq_file_is_an_error_not_a_traceback(project):
    write(project, "data/faq/refunds.yml", "faq:\n  - key: [unclosed\n")
    code, output = run_cli(cli_args(project))
    assert code == 1
    assert "data/faq/refunds.yml:3:1: YAML syntax error" in output
    assert "Traceback" not in output


# --- responses and buttons ------------------------------------------------------------


def test_every_response_has_one_variation_per_language(project):
    edit(
        project,
        "domain.yml",
        '      text: "Got it."\n',
        '      text: "Got it."\n    - condition: [{type: slot, name: language, value: en}]\n'
        '      text: "OK."\n    - text: "no condition"\n',
    )
    edit(project, "domain.yml", '      text: "Hello! How can I help?"', '      text: ""')
    result = check(project)
    assert places(result, "responses.repeated_language") == ["domain.yml:48"]
    assert places(result, "responses.no_language_condition") == ["domain.yml:50"]
    assert places(result, "responses.no_text") == ["domain.yml:38"]
    edit(
        project,
        "domain.yml",
        'value: ko}]\n      text: "알겠어요."',
        'value: en}]\n      text: "a"',
    )
    assert places(check(project), "responses.missing_language") == ["domain.yml:43"]


def test_button_payloads(project):
    edit(
        project,
        "domain.yml",
        """        - {title: "My order", payload: '/inform{"order_id": "12345678"}'}""",
        """        - {title: "My order", payload: 'inform'}
        - {title: "Typo", payload: '/infrom'}
        - {title: "JSON", payload: '/inform{"order_id": 1,}'}
        - {title: "Entity", payload: '/inform{"order": "1"}'}
        - {title: "FAQ", payload: '/faq/refund_time'}""",
    )
    result = check(project)
    assert places(result, "responses.payload_format") == ["domain.yml:41"]
    assert places(result, "responses.payload_unknown_intent") == ["domain.yml:42"]
    assert places(result, "responses.payload_bad_json") == ["domain.yml:43"]
    assert places(result, "responses.payload_unknown_entity") == ["domain.yml:44"]
    assert places(result, "responses.buttons_differ") == ["domain.yml:33"]


# --- intent names ----------------------------------------------------------------------


def test_unknown_intents_in_rules_stories_nlu_and_slot_mappings(project):
    edit(project, "data/rules/rules.yml", "  - intent: inform\n", "  - intent: infrom\n")
    edit(project, "data/stories/stories.yml", "    - intent: faq\n", "    - intent: faq/nothing\n")
    edit(project, "data/nlu/en/base.yml", "- intent: inform", "- intent: informm")
    edit(project, "domain.yml", "not_intent: [greet]", "not_intent: [greeting]")
    result = check(project)
    assert places(result, "rules.unknown_intent_hint") == [
        "data/nlu/en/base.yml:8",
        "data/rules/rules.yml:10",
        "domain.yml:27",
    ]
    assert places(result, "rules.unknown_faq_key") == ["data/stories/stories.yml:8"]
    messages = {render(f, "en") for f in result.errors}
    assert (
        "data/rules/rules.yml:10: 'infrom' (an order number) is not an intent in domain.yml; "
        "did you mean 'inform'?"
    ) in messages


def test_rasa_default_intents_are_known(project):
    edit(project, "data/rules/rules.yml", "  - intent: inform\n", "  - intent: nlu_fallback\n")
    assert not check(project).errors


# --- output, exit code and language ---------------------------------------------------


def test_report_lists_errors_then_warnings_and_a_summary(project):
    edit(project, "data/nlu/en/base.yml", "    - hi there\n", "    - hi there\n\n")
    edit(project, "data/rules/rules.yml", "  - intent: inform\n", "  - intent: xyz\n")
    code, output = run_cli(cli_args(project, "--no-rasa", "--lang", "en"))
    assert code == 1
    assert output.splitlines() == [
        "Errors (1):",
        "data/rules/rules.yml:10: 'xyz' (an order number) is not an intent in domain.yml",
        "",
        "Warnings (1):",
        "data/nlu/en/base.yml:7: blank line in the examples of 'greet' (Rasa skips it)",
        "",
        "1 error(s), 1 warning(s).",
    ]


def test_korean_messages_with_lang_ko(project):
    edit(project, "data/nlu/ko/base.yml", "    - 반가워요\n", "")
    code, output = run_cli(cli_args(project, "--no-rasa", "--lang", "ko"))
    assert code == 1
    assert output.splitlines()[0] == "오류 (1개):"
    assert output.splitlines()[1] == (
        "domain.yml:4: 인텐트 'greet'의 한국어 예문이 data/nlu/ko/에 2개입니다. "
        "최소 3개가 필요합니다"
    )
    assert output.splitlines()[-1] == "오류 1개, 경고 0개."


def test_the_language_follows_the_locale(project, monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    _, output = run_cli(cli_args(project, "--no-rasa"))
    assert output.strip() == "문제가 없습니다.\n오류 0개, 경고 0개."
    _, output = run_cli(cli_args(project, "--no-rasa", "--lang", "en"))
    assert output.strip().endswith("0 error(s), 0 warning(s).")


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
    ],
)
def test_language_from_environment(environ, language):
    assert language_from_environment(environ) == language


def test_a_missing_project_folder(tmp_path, capsys):
    assert validate.main(["--project", str(tmp_path / "nowhere"), "--lang", "en"]) == 2
    assert "no such project folder" in capsys.readouterr().err


def test_eva_dispatches_validate(project):
    from bot.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["validate", *cli_args(project, "--no-rasa")]) == 0


# --- the message tables ---------------------------------------------------------------


def test_both_languages_have_the_same_messages_and_placeholders():
    assert MESSAGES["ko"].keys() == MESSAGES["en"].keys()
    for key, english in MESSAGES["en"].items():
        assert placeholders(MESSAGES["ko"][key]) == placeholders(english), key
        if not key.startswith(("rasa.error", "rasa.warning")):
            assert HANGUL.search(MESSAGES["ko"][key]), f"{key} is not Korean"


def test_every_message_key_in_the_code_has_a_message():
    source = "\n".join(
        p.read_text("utf-8") for p in (PROJECT_DIR / "bot" / "content_checks").glob("*.py")
    )
    prefixes = "file|yaml|nlu|dialogue|domain|faq|responses|rules|rasa|report|lang"
    used = set(re.findall(rf'"((?:{prefixes})\.[a-z_]+)"', source))
    used -= {"domain.yml", "config.yml", "rasa.validator"}  # file and logger names
    assert len(used) > 50, used
    assert used <= MESSAGES["en"].keys(), used - MESSAGES["en"].keys()
