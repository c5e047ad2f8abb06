import pytest

from bot.language import detect_language, normalise_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("주문 취소하고 싶어요", "ko"),
        ("where is my order", "en"),
        ("order 취소해주세요", "ko"),
        ("환불 refund 언제 돼요", "ko"),
        ("I want a refund for this, 환불", "en"),
        ("ㅇㅇ", "ko"),
        ("8171234567890123", None),
        ("사진 여기요 https://imgur.com/a/broken123", "ko"),
        ("제 메일은 minji.kim@example.com 이에요", "ko"),
        ("https://imgur.com/a/x", None),
        ("🙏🙏", None),
        ("", None),
    ],
)
def test_language_follows_the_letters(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("ko", "ko"), ("ko-KR", "ko"), ("EN_us", "en"), ("ja", None), (None, None), (3, None)],
)
def test_metadata_language_tags(tag, expected):
    assert normalise_language(tag) == expected
