"""Everything `eva train`, `eva publish` and `eva rollback` tell the editor, in ko and en.

Both tables have the same keys and `{placeholders}` (tests/test_publish.py checks it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from bot.language import Language

MESSAGES: dict[Language, dict[str, str]] = {
    "en": {
        "lang.ko": "Korean",
        "lang.en": "English",
        "model_missing": "{path}: there is no model file here. Train one first: make train",
        "model_unreadable": "{path}: not a Rasa model archive ({detail})",
        "server_unreachable": "Cannot reach the Rasa server at {url} ({detail}). Is the bot "
        "running (make run)? Name another server with --server or RASA_URL.",
        "server_unauthorized": "The Rasa server at {url} refused the API token. Set RASA_API_TOKEN "
        "(or pass --token) to the token the server was started with.",
        "server_error": "The Rasa server at {url} answered HTTP {status} to {call}: {detail}",
        "load_failed": "The Rasa server could not load {path}: {detail}. "
        "The live model is unchanged.",
        "wrong_model_live": "After loading, the server runs model {got} instead of {expected}.",
        "registry_unreadable": "{path}: the release registry cannot be read ({detail}). "
        "Repair the file or move it away.",
        "busy": "Another publish or rollback is running (lock {path}). "
        "Try again when it has finished.",
        "no_live_model": "The server has no model loaded, so there is nothing to compare with.",
        "measuring_live": "Measuring the live model on the held-out split and the independent "
        "set through the server "
        "({count} examples)…",
        "evaluating": "Evaluating {path} on the held-out split and the independent set…",
        "same_model": "This model is the live one; it is loaded again.",
        "score_header": "Intent accuracy on the held-out split (tests/nlu/) and the independent "
        "set (tests/nlu/independent/):",
        "set.independent": "{language}, independent set",
        "score_line": "  {language}: live {live} → new {new} ({delta} points)",
        "score_line_new": "  {language}: new {new}",
        "refused": "Not published: {language} intent accuracy would drop by {drop} points "
        "({live} → {new}); at most {limit} is allowed. Improve the training data, or "
        "publish anyway with --force.",
        "forced": "Publishing anyway (--force), although {language} drops by {drop} points.",
        "loading": "Loading {path} into the Rasa server at {url}; the old model keeps "
        "answering until the new one is ready…",
        "published": "Published release {release} in {seconds} s; the bot answers with it now. "
        "Undo with: make rollback",
        "no_previous": "There is no earlier release to roll back to (releases: {count}).",
        "release_missing": "The file of release {release} is gone: {path}",
        "rolled_back": "Rolled back to release {release} (published {published}) in {seconds} s.",
        "train.up_to_date": "{model} is newer than the config, domain, data and NLU components: "
        "nothing to train. Use --force to train anyway.",
        "train.start": "Training {model}; Rasa reuses the unchanged steps from its cache…",
        "train.start_full": "Training {model} from scratch, because our NLU components' code "
        "changed since the last model (or there is none)…",
        "train.done": "Trained {model} in {duration}. Next: make eval, then make publish.",
        "train.failed": "Training failed after {duration} (exit code {code}); "
        "see Rasa's messages above.",
        "duration": "{minutes} min {seconds} s",
    },
    "ko": {
        "lang.ko": "한국어",
        "lang.en": "영어",
        "model_missing": "{path}: 모델 파일이 없어요. 먼저 학습해 주세요: make train",
        "model_unreadable": "{path}: Rasa 모델 파일이 아니에요 ({detail})",
        "server_unreachable": "{url}의 Rasa 서버에 연결할 수 없어요 ({detail}). 챗봇이 실행 "
        "중인가요(make run)? 다른 서버는 --server나 RASA_URL로 지정해 주세요.",
        "server_unauthorized": "{url}의 Rasa 서버가 API 토큰을 거부했어요. RASA_API_TOKEN을(또는 "
        "--token을) 서버를 시작할 때 쓴 토큰으로 설정해 주세요.",
        "server_error": "{url}의 Rasa 서버가 {call} 요청에 HTTP {status}로 응답했어요: {detail}",
        "load_failed": "Rasa 서버가 {path}을(를) 불러오지 못했어요: {detail}. "
        "서비스 중인 모델은 그대로예요.",
        "wrong_model_live": "불러온 뒤 서버의 모델이 {expected}이(가) 아니라 {got}이에요.",
        "registry_unreadable": "{path}: 배포 기록 파일을 읽을 수 없어요 ({detail}). "
        "파일을 고치거나 다른 곳으로 옮겨 주세요.",
        "busy": "다른 배포나 롤백이 진행 중이에요(잠금 {path}). 끝난 뒤 다시 시도해 주세요.",
        "no_live_model": "서버에 불러온 모델이 없어서 비교할 대상이 없어요.",
        "measuring_live": "서비스 중인 모델을 서버를 통해 평가용 데이터와 독립 평가 세트로 "
        "측정하고 있어요(예문 {count}개)…",
        "evaluating": "{path}을(를) 평가용 데이터와 독립 평가 세트로 평가하고 있어요…",
        "same_model": "지금 서비스 중인 모델과 같은 모델이에요. 다시 불러올게요.",
        "score_header": "평가용 데이터(tests/nlu/)와 독립 평가 세트(tests/nlu/independent/)의 "
        "의도 정확도:",
        "set.independent": "{language}, 독립 평가 세트",
        "score_line": "  {language}: 서비스 중 {live} → 새 모델 {new} ({delta}점)",
        "score_line_new": "  {language}: 새 모델 {new}",
        "refused": "배포하지 않았어요: {language} 의도 정확도가 {drop}점 떨어져요"
        "({live} → {new}). 허용 범위는 {limit}점이에요. 학습 데이터를 보완하거나, "
        "그래도 배포하려면 --force를 붙여 주세요.",
        "forced": "{language} 정확도가 {drop}점 떨어지지만 --force로 배포해요.",
        "loading": "{path}을(를) {url}의 Rasa 서버에 불러오고 있어요. 새 모델이 준비될 때까지 "
        "기존 모델이 계속 응답해요…",
        "published": "배포 {release}을(를) {seconds}초 만에 마쳤어요. 이제 챗봇이 이 모델로 "
        "응답해요. 되돌리려면: make rollback",
        "no_previous": "되돌릴 이전 배포가 없어요(배포 {count}개).",
        "release_missing": "배포 {release}의 파일이 없어졌어요: {path}",
        "rolled_back": "{published}에 배포한 {release}(으)로 {seconds}초 만에 되돌렸어요.",
        "train.up_to_date": "{model}이(가) 설정, 도메인, 데이터, NLU 컴포넌트보다 최신이라 "
        "학습할 것이 없어요. 그래도 학습하려면 --force를 붙여 주세요.",
        "train.start": "{model}을(를) 학습하고 있어요. 바뀌지 않은 단계는 Rasa 캐시를 그대로 써요…",
        "train.start_full": "마지막 모델 이후 NLU 컴포넌트 코드가 바뀌어서(또는 모델이 없어서) "
        "{model}을(를) 처음부터 학습해요…",
        "train.done": "{duration} 만에 {model} 학습을 마쳤어요. 다음: make eval, make publish",
        "train.failed": "{duration} 만에 학습이 실패했어요(종료 코드 {code}). "
        "위의 Rasa 메시지를 확인해 주세요.",
        "duration": "{minutes}분 {seconds}초",
    },
}


def message(language: Language, key: str, /, **params: Any) -> str:
    return MESSAGES[language][key].format(**params)


def language_name(language: Language, of: str) -> str:
    return MESSAGES[language][f"lang.{of}"]


def score_name(language: Language, key: str) -> str:
    """What a score (bot.publishing.accuracy's keys) is called: "Korean", or "Korean,
    independent set"."""
    of, _, independent_language = key.partition("/")
    if not independent_language:
        return language_name(language, of)
    return message(
        language, "set.independent", language=language_name(language, independent_language)
    )


def duration(language: Language, seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return message(language, "duration", minutes=minutes, seconds=rest)


def printer(
    language: Language,
    stream: TextIO | None = None,
    table: Mapping[Language, Mapping[str, str]] = MESSAGES,
) -> Callable[..., None]:
    """A `say(key, **params)` that prints one message line of `table` (another command's
    messages, `eva forget`'s) in the editor's language."""

    def say(key: str, /, **params: Any) -> None:
        text = table[language][key].format(**params)
        print(text, file=stream or sys.stdout, flush=True)

    return say
