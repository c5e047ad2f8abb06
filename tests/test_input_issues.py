import pytest

from bot.input_issues import EMPTY, NO_TEXT, TOO_LONG, UNREADABLE, input_issue


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ("", EMPTY),
        ("  \n\t ", EMPTY),
        ("a" * 1001, TOO_LONG),
        ("🙏😡👍", NO_TEXT),
        ("?!...", NO_TEXT),
        ("\x00\x01\x02\x03 hello", UNREADABLE),
        ("\ufffd\ufffd\ufffdabc", UNREADABLE),
        ("주문 어디쯤이에요?", None),
        ("ㅇㅇ", None),
        ("<script>alert(1)</script>", None),
        ("a" * 1000, None),
    ],
)
def test_input_issue(text, issue):
    assert input_issue(text, max_chars=1000, max_unreadable_share=0.1) == issue


@pytest.mark.parametrize(
    ("text", "issue"), [("👍", None), ("?!...", NO_TEXT), ("", EMPTY), ("a" * 1001, TOO_LONG)]
)
def test_confidently_understood_emoji_are_an_answer(text, issue):
    assert input_issue(text, 1000, 0.1, understood=True) == issue
