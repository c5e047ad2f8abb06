from rasa.shared.nlu.training_data.message import Message

from bot.nlu.ko_en_tokenizer import KoEnTokenizer, tokenize_text


def lemmas(text: str) -> list[str]:
    return [token.lemma for token in tokenize_text(text)]


def test_korean_without_spaces_is_split_into_morphemes():
    assert lemmas("주문취소해주세요")[:2] == ["주문", "취소"]


def test_korean_verb_forms_share_their_stem():
    assert "취소" in lemmas("취소했어요") and "취소" in lemmas("취소해 주세요")
    assert "하" in lemmas("취소했어요") and "하" in lemmas("취소해 주세요")


def test_english_uses_spacy_rules():
    assert [t.text for t in tokenize_text("Where's my order?")] == [
        "Where",
        "'s",
        "my",
        "order",
        "?",
    ]


def test_mixed_sentence_keeps_both_scripts_and_offsets():
    text = "order 취소해주세요"
    tokens = tokenize_text(text)
    assert tokens[0].text == "order" and tokens[0].start == 0
    assert tokens[1].lemma == "취소" and text[tokens[1].start : tokens[1].end] == "취소"


def test_offsets_always_point_into_the_text():
    text = "환불 refund 언제 돼요?? 주문번호 8171234567890123번 ㅠㅠ"
    for token in tokenize_text(text):
        assert text[token.start : token.end] == token.text


def test_order_number_glued_to_hangul_is_one_token():
    tokens = [t.text for t in tokenize_text("주문번호 8171234567890123번 어디예요")]
    assert "8171234567890123" in tokens


def test_component_caps_length_and_never_returns_no_tokens():
    tokenizer = KoEnTokenizer({**KoEnTokenizer.get_default_config(), "max_chars": 20})
    long_tokens = tokenizer.tokenize(Message(data={"text": "가나다 " * 1000}), "text")
    assert long_tokens and max(t.end for t in long_tokens) <= 20
    assert len(tokenizer.tokenize(Message(data={"text": "   "}), "text")) == 1
