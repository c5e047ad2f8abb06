"""Every message of `eva validate`, in Korean and English.

Both tables have the same keys and the same `{placeholders}`
(tests/test_content_checks.py checks it). A `Term` parameter is itself a key
of the table, so "Korean"/"한국어" follows the reader's language too.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from bot.content_checks.findings import Finding, Param, Term
from bot.language import Language, normalise_language

DEFAULT_LANGUAGE: Language = "en"
# POSIX order: LC_ALL overrides LC_MESSAGES, which overrides LANG.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

MESSAGES: dict[Language, dict[str, str]] = {
    "en": {
        "lang.ko": "Korean",
        "lang.en": "English",
        "report.errors": "Errors ({count}):",
        "report.warnings": "Warnings ({count}):",
        "report.summary": "{errors} error(s), {warnings} warning(s).",
        "report.clean": "No problems found.",
        "report.no_project": "{path}: no such project folder",
        "file.missing": "file is missing",
        "file.unreadable": "cannot read the file: {detail}",
        "file.not_utf8": "not UTF-8 text: byte {byte} at byte offset {offset} "
        "(save the file as UTF-8)",
        "file.empty": "the file is empty",
        "file.not_mapping": "expected a mapping (key: value) at the top of the file",
        "file.unknown_top_key": "unknown top-level key '{key}'",
        "file.version_not_text": 'version must be quoted text, like version: "3.1"',
        "file.not_training_data": "no nlu:, rules:, stories: or responses: here, "
        "so Rasa ignores this file",
        "yaml.syntax": "YAML syntax error: {detail}",
        "yaml.bad_character": "character not allowed in YAML: {detail}",
        "yaml.duplicate_key": "key '{key}' is repeated (first on line {first_line}); "
        "YAML keeps only the last one",
        "nlu.no_list": "expected an 'nlu:' list",
        "nlu.item_not_mapping": "an nlu: item must be a mapping",
        "nlu.item_no_kind": "an nlu: item needs one of: {kinds}",
        "nlu.item_many_kinds": "an nlu: item may have only one of: {kinds}",
        "nlu.item_no_name": "'{kind}:' needs a name",
        "nlu.unknown_key": "unknown key '{key}' in '{name}' (allowed: intent/regex/lookup/"
        "synonym, examples, metadata)",
        "nlu.examples_not_list": "examples must be a '|' block of '- ' lines",
        "nlu.no_examples": "{kind} '{name}' has no examples",
        "nlu.blank_line": "blank line in the examples of '{name}' (Rasa skips it)",
        "nlu.not_a_list_item": "example line of '{name}' does not start with '- ', "
        "Rasa would skip it: {line_text}",
        "nlu.empty_example": "empty example in '{name}'",
        "nlu.bad_annotation": "bad entity annotation in '{text}': {detail}",
        "nlu.regex_invalid": "regex '{name}' does not compile: {pattern} ({detail})",
        "nlu.regex_matches_empty": "regex '{name}' can match empty text: {pattern}",
        "dialogue.section_not_list": "'{key}:' must be a list",
        "dialogue.block_not_mapping": "an item of '{key}:' must be a mapping",
        "dialogue.block_no_name": "this block needs a name ('{key}:')",
        "dialogue.no_steps": "'{block}' has no steps:",
        "dialogue.steps_not_list": "the steps of '{block}' must be a list",
        "dialogue.step_not_mapping": "a step of '{block}' must be a mapping",
        "dialogue.intent_not_text": "a step of '{block}' needs an intent name",
        "domain.bad_name": "an item of '{section}:' needs a name",
        "domain.repeated_name": "'{name}' is listed twice in '{section}:' (also {where})",
        "domain.not_list": "'{key}:' must be a list",
        "domain.no_intents": "domain.yml has no 'intents:' list",
        "domain.not_mapping": "'{key}:' must be a mapping",
        "faq.no_list": "expected a top-level 'faq:' list",
        "faq.entry_not_mapping": "a FAQ entry must be a mapping",
        "faq.no_key": "FAQ entry without a 'key'",
        "faq.bad_key": "FAQ key '{key}' must be lower-case ASCII snake_case",
        "faq.duplicate_key": "FAQ key '{key}' is used twice (also {where})",
        "faq.not_per_language": "{key}: '{field}' needs 'ko' and 'en' under it",
        "faq.missing_language": "{key}: '{field}' has no {language}",
        "faq.unknown_language": "{key}: '{field}' has language '{language}', which is "
        "ignored (only ko and en)",
        "faq.no_source": "{key}: needs a 'source' with 'file' and 'title'",
        "faq.missing_text": "{key}: '{field}' must be non-empty text",
        "faq.bad_action": "{key}: 'action' is '{action}'; an answer can start one of: {allowed}",
        "faq.questions_not_list": "{key}: the {language} questions must be a non-empty list",
        "faq.empty_answer": "{key}: the {language} answer is empty",
        "faq.unknown_key": "{key}: unknown key '{name}' is ignored",
        "faq.loader": "the FAQ loader rejects this file: {detail}",
        "faq.too_few_questions": "{key}: {count} {language} questions, at least {minimum} needed",
        "faq.source_not_a_name": "{key}: source file '{file}' must be a file name, not a path",
        "faq.source_missing": "{key}: source article '{file}' is not in {folder}",
        "faq.source_unreadable": "{key}: cannot read source article '{file}': {detail}",
        "faq.source_title": "{key}: the title does not match article '{file}', "
        "whose first line is '{title}'",
        "responses.no_variations": "response '{name}' has no variations",
        "responses.variation_not_mapping": "a variation of '{name}' must be a mapping",
        "responses.no_language_condition": "a variation of '{name}' lacks its one condition "
        "on the 'language' slot (ko or en)",
        "responses.no_text": "a variation of '{name}' has no text",
        "responses.missing_language": "response '{name}' has no {language} variation",
        "responses.repeated_language": "response '{name}' has a second {language} variation "
        "(first at {where})",
        "responses.buttons_differ": "the Korean and English buttons of '{name}' differ "
        "(payloads must be the same)",
        "responses.buttons_not_list": "buttons must be a list",
        "responses.button_no_title": "a button has no title",
        "responses.button_no_payload": "a button has no payload",
        "responses.payload_format": "payload '{payload}' must be /intent or /intent{{json}}",
        "responses.payload_unknown_intent": "payload '{payload}': '{intent}' is not an intent "
        "in domain.yml",
        "responses.payload_bad_json": "payload '{payload}': the entities are not valid JSON "
        "({detail})",
        "responses.payload_not_object": "payload '{payload}': the entities must be a "
        "non-empty JSON object",
        "responses.payload_unknown_entity": "payload '{payload}': '{entity}' is not an entity "
        "in domain.yml",
        "rules.too_few_examples": "intent '{intent}' has {count} {language} examples in "
        "{folder}, at least {minimum} needed",
        "rules.unknown_intent": "'{intent}' ({place}) is not an intent in domain.yml",
        "rules.unknown_intent_hint": "'{intent}' ({place}) is not an intent in domain.yml; "
        "did you mean '{suggestion}'?",
        "rules.unknown_faq_key": "'{intent}': no FAQ entry has that key",
        "rules.example_conflict": "'{text}' is an example of '{label}' and of '{other}' "
        "(at {where})",
        "rules.repeated_example": "'{text}' is already an example of '{label}' (at {where})",
        "rasa.load_failed": "Rasa could not load the project: {detail}",
        "rasa.error": "Rasa: {detail}",
        "rasa.conflict": "Rasa found a story/rule conflict: {detail}",
        "rasa.check_failed": "Rasa's check {check} failed",
        "rasa.warning": "Rasa: {detail}",
        "rasa.skipped": "Rasa's validator was not run: fix the errors in the files first",
    },
    "ko": {
        "lang.ko": "한국어",
        "lang.en": "영어",
        "report.errors": "오류 ({count}개):",
        "report.warnings": "경고 ({count}개):",
        "report.summary": "오류 {errors}개, 경고 {warnings}개.",
        "report.clean": "문제가 없습니다.",
        "report.no_project": "{path}: 프로젝트 폴더가 없습니다",
        "file.missing": "파일이 없습니다",
        "file.unreadable": "파일을 읽을 수 없습니다: {detail}",
        "file.not_utf8": "UTF-8 텍스트가 아닙니다: {offset}번째 바이트 위치의 {byte} "
        "(UTF-8로 저장해 주세요)",
        "file.empty": "파일이 비어 있습니다",
        "file.not_mapping": "파일 맨 위는 매핑(키: 값)이어야 합니다",
        "file.unknown_top_key": "알 수 없는 최상위 키 '{key}'",
        "file.version_not_text": 'version은 따옴표로 감싼 텍스트여야 합니다(예: version: "3.1")',
        "file.not_training_data": "nlu:, rules:, stories:, responses:가 없어서 Rasa가 이 "
        "파일을 무시합니다",
        "yaml.syntax": "YAML 문법 오류: {detail}",
        "yaml.bad_character": "YAML에 쓸 수 없는 문자: {detail}",
        "yaml.duplicate_key": "키 '{key}'가 중복됩니다({first_line}번째 줄에 처음 나옴). "
        "YAML은 마지막 것만 남깁니다",
        "nlu.no_list": "'nlu:' 목록이 필요합니다",
        "nlu.item_not_mapping": "nlu: 항목은 매핑이어야 합니다",
        "nlu.item_no_kind": "nlu: 항목에는 다음 중 하나가 필요합니다: {kinds}",
        "nlu.item_many_kinds": "nlu: 항목에는 다음 중 하나만 있어야 합니다: {kinds}",
        "nlu.item_no_name": "'{kind}:'에 이름이 필요합니다",
        "nlu.unknown_key": "'{name}'에 알 수 없는 키 '{key}'가 있습니다(허용: intent/regex/"
        "lookup/synonym, examples, metadata)",
        "nlu.examples_not_list": "examples는 '- '로 시작하는 줄로 된 '|' 블록이어야 합니다",
        "nlu.no_examples": "{kind} '{name}'에 예문이 없습니다",
        "nlu.blank_line": "'{name}'의 예문 사이에 빈 줄이 있습니다(Rasa는 건너뜁니다)",
        "nlu.not_a_list_item": "'{name}'의 예문 줄이 '- '로 시작하지 않아 Rasa가 "
        "건너뜁니다: {line_text}",
        "nlu.empty_example": "'{name}'에 빈 예문이 있습니다",
        "nlu.bad_annotation": "'{text}'의 엔티티 표시가 잘못되었습니다: {detail}",
        "nlu.regex_invalid": "정규식 '{name}'을(를) 컴파일할 수 없습니다: {pattern} ({detail})",
        "nlu.regex_matches_empty": "정규식 '{name}'이(가) 빈 문자열과 일치할 수 있습니다: "
        "{pattern}",
        "dialogue.section_not_list": "'{key}:'는 목록이어야 합니다",
        "dialogue.block_not_mapping": "'{key}:'의 항목은 매핑이어야 합니다",
        "dialogue.block_no_name": "이 블록에 이름('{key}:')이 필요합니다",
        "dialogue.no_steps": "'{block}'에 steps:가 없습니다",
        "dialogue.steps_not_list": "'{block}'의 steps는 목록이어야 합니다",
        "dialogue.step_not_mapping": "'{block}'의 단계는 매핑이어야 합니다",
        "dialogue.intent_not_text": "'{block}'의 단계에 인텐트 이름이 필요합니다",
        "domain.bad_name": "'{section}:'의 항목에 이름이 필요합니다",
        "domain.repeated_name": "'{name}'이(가) '{section}:'에 두 번 있습니다({where}에도 있음)",
        "domain.not_list": "'{key}:'는 목록이어야 합니다",
        "domain.no_intents": "domain.yml에 'intents:' 목록이 없습니다",
        "domain.not_mapping": "'{key}:'는 매핑이어야 합니다",
        "faq.no_list": "최상위에 'faq:' 목록이 필요합니다",
        "faq.entry_not_mapping": "FAQ 항목은 매핑이어야 합니다",
        "faq.no_key": "'key'가 없는 FAQ 항목입니다",
        "faq.bad_key": "FAQ 키 '{key}'는 영어 소문자 snake_case여야 합니다",
        "faq.duplicate_key": "FAQ 키 '{key}'가 두 번 쓰였습니다({where}에도 있음)",
        "faq.not_per_language": "{key}: '{field}' 아래에 'ko'와 'en'이 필요합니다",
        "faq.missing_language": "{key}: '{field}'에 {language}이(가) 없습니다",
        "faq.unknown_language": "{key}: '{field}'의 언어 '{language}'는 무시됩니다(ko, en만 사용)",
        "faq.no_source": "{key}: 'file'과 'title'이 있는 'source'가 필요합니다",
        "faq.missing_text": "{key}: '{field}'은(는) 비어 있지 않은 텍스트여야 합니다",
        "faq.bad_action": (
            "{key}: 'action' '{action}'은(는) 쓸 수 없습니다. 다음 중 하나여야 합니다: {allowed}"
        ),
        "faq.questions_not_list": "{key}: {language} 질문은 비어 있지 않은 목록이어야 합니다",
        "faq.empty_answer": "{key}: {language} 답변이 비어 있습니다",
        "faq.unknown_key": "{key}: 알 수 없는 키 '{name}'는 무시됩니다",
        "faq.loader": "FAQ 로더가 이 파일을 거부합니다: {detail}",
        "faq.too_few_questions": "{key}: {language} 질문이 {count}개입니다. 최소 {minimum}개가 "
        "필요합니다",
        "faq.source_not_a_name": "{key}: 출처 파일 '{file}'은(는) 경로가 아닌 파일 이름이어야 "
        "합니다",
        "faq.source_missing": "{key}: 출처 문서 '{file}'이(가) {folder}에 없습니다",
        "faq.source_unreadable": "{key}: 출처 문서 '{file}'을(를) 읽을 수 없습니다: {detail}",
        "faq.source_title": "{key}: 제목이 문서 '{file}'과(와) 다릅니다. 문서의 첫 줄은 "
        "'{title}'입니다",
        "responses.no_variations": "응답 '{name}'에 변형(variation)이 없습니다",
        "responses.variation_not_mapping": "'{name}'의 변형은 매핑이어야 합니다",
        "responses.no_language_condition": "'{name}'의 변형에 'language' 슬롯 조건(ko 또는 en) "
        "하나가 없습니다",
        "responses.no_text": "'{name}'의 변형에 text가 없습니다",
        "responses.missing_language": "응답 '{name}'에 {language} 변형이 없습니다",
        "responses.repeated_language": "응답 '{name}'에 {language} 변형이 또 있습니다"
        "(첫 번째: {where})",
        "responses.buttons_differ": "'{name}'의 한국어 버튼과 영어 버튼이 다릅니다"
        "(payload가 같아야 합니다)",
        "responses.buttons_not_list": "buttons는 목록이어야 합니다",
        "responses.button_no_title": "버튼에 title이 없습니다",
        "responses.button_no_payload": "버튼에 payload가 없습니다",
        "responses.payload_format": "payload '{payload}'는 /인텐트 또는 /인텐트{{json}} "
        "형식이어야 합니다",
        "responses.payload_unknown_intent": "payload '{payload}': '{intent}'은(는) domain.yml의 "
        "인텐트가 아닙니다",
        "responses.payload_bad_json": "payload '{payload}': 엔티티가 올바른 JSON이 아닙니다"
        "({detail})",
        "responses.payload_not_object": "payload '{payload}': 엔티티는 비어 있지 않은 JSON "
        "객체여야 합니다",
        "responses.payload_unknown_entity": "payload '{payload}': '{entity}'은(는) domain.yml의 "
        "엔티티가 아닙니다",
        "rules.too_few_examples": "인텐트 '{intent}'의 {language} 예문이 {folder}에 {count}개"
        "입니다. 최소 {minimum}개가 필요합니다",
        "rules.unknown_intent": "'{intent}'({place})은(는) domain.yml의 인텐트가 아닙니다",
        "rules.unknown_intent_hint": "'{intent}'({place})은(는) domain.yml의 인텐트가 "
        "아닙니다. '{suggestion}'을(를) 말씀하신 건가요?",
        "rules.unknown_faq_key": "'{intent}': 그런 키의 FAQ 항목이 없습니다",
        "rules.example_conflict": "'{text}'이(가) '{label}'과(와) '{other}'({where}) 양쪽의 "
        "예문입니다",
        "rules.repeated_example": "'{text}'은(는) 이미 '{label}'의 예문입니다({where})",
        "rasa.load_failed": "Rasa가 프로젝트를 불러오지 못했습니다: {detail}",
        "rasa.error": "Rasa: {detail}",
        "rasa.conflict": "Rasa가 스토리/룰 충돌을 찾았습니다: {detail}",
        "rasa.check_failed": "Rasa 검사 {check}이(가) 실패했습니다",
        "rasa.warning": "Rasa: {detail}",
        "rasa.skipped": "파일 오류가 있어 Rasa 검사를 실행하지 않았습니다. 먼저 오류를 고쳐 주세요",
    },
}


def placeholders(template: str) -> set[str]:
    """The `{names}` a template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def message(language: Language, key: str, params: Mapping[str, Param] | None = None) -> str:
    table = MESSAGES[language]
    values = {
        name: table[value.key] if isinstance(value, Term) else value
        for name, value in (params or {}).items()
    }
    return table[key].format(**values)


def render(finding: Finding, language: Language) -> str:
    """`file:line: message` (or just the message for findings without a place)."""
    text = message(language, finding.key, finding.params)
    return f"{finding.at}: {text}" if finding.at is not None else text


def language_from_environment(environ: Mapping[str, str]) -> Language:
    """Korean when the locale (LC_ALL, LC_MESSAGES, LANG) is ko*, else English."""
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if value:
            return normalise_language(value.split(".")[0]) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE
