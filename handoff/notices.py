"""What the shopper is told while a person takes over, in Korean and English."""

from __future__ import annotations

NOTICES: dict[str, dict[str, str]] = {
    "queue": {
        "ko": "대기 순서: {position}번째예요. 예상 대기 시간은 약 {eta}분이에요.",
        "en": "You are number {position} in the queue. The expected wait is about {eta} min.",
    },
    "agent_joined": {
        "ko": "상담원 {agent}님이 대화에 참여했어요.",
        "en": "{agent} from our customer service team has joined the chat.",
    },
    "agent_left": {
        "ko": "상담원이 대화를 마쳤어요. 이제 다시 챗봇 Eva가 도와드릴게요.",
        "en": "The agent has left the chat. Eva, the chatbot, is here to help again.",
    },
    "transferred": {
        "ko": "{team}으로 연결을 옮기고 있어요. 잠시만 기다려 주세요.",
        "en": "We are moving you to the {team}. Please wait a moment.",
    },
    "closed": {
        "ko": "상담이 종료되었어요. 이용해 주셔서 감사합니다. 더 궁금한 점은 언제든 물어봐 주세요.",
        "en": "This chat has been closed. Thank you! Ask me anytime if you need anything else.",
    },
    "abandoned": {
        "ko": "오래 응답이 없어 상담 대기가 취소되었어요. "
        "필요하시면 다시 상담원 연결을 요청해 주세요.",
        "en": "We took you out of the queue because we did not hear from you. "
        "Ask for an agent again whenever you need one.",
    },
    "bot_unavailable": {
        "ko": "죄송해요, 지금 챗봇이 답하지 못하고 있어요. 메시지는 잘 받았어요. "
        "잠시 후 다시 보내 주시거나 상담원 연결을 요청해 주세요.",
        "en": "Sorry, the chatbot cannot answer right now. We have your message. "
        "Please try again in a moment, or ask for an agent.",
    },
}


def notice(key: str, language: str, **values: object) -> str:
    texts = NOTICES[key]
    return texts.get(language, texts["en"]).format(**values)
