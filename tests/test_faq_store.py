import os
from pathlib import Path

import pytest

from bot.faq.store import FaqError, FaqStore, load_faq

ENTRY = """
version: "1"
faq:
  - key: {key}
    source: {{file: 004_b1e7b33682776c5f.txt, title: "알리익스프레스 고객지원"}}
    questions:
      ko: ["환불 며칠 걸려요"]
      en: ["how long do refunds take"]
    answer:
      ko: "{ko}"
      en: "{en}"
"""


def write(path: Path, key: str = "refund_time", ko: str = "3~15일", en: str = "3-15 days") -> None:
    path.write_text(ENTRY.format(key=key, ko=ko, en=en), encoding="utf-8")


def test_loads_entries_by_key(tmp_path):
    write(tmp_path / "a.yml")
    entry = load_faq(tmp_path)["refund_time"]
    assert entry.answer["ko"] == "3~15일" and entry.intent == "faq/refund_time"
    assert entry.questions["en"] == ("how long do refunds take",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("faq: [", "not readable YAML"),
        ("something: else", "top-level 'faq:'"),
        (ENTRY.format(key="Bad-Key", ko="a", en="b"), "snake_case"),
        (ENTRY.format(key="k", ko="a", en="b").replace('en: "b"', ""), "missing language(s) en"),
        (ENTRY.format(key="k", ko="", en="b"), "non-empty text"),
    ],
)
def test_broken_files_are_named_in_the_error(tmp_path, content, message):
    (tmp_path / "broken.yml").write_text(content, encoding="utf-8")
    with pytest.raises(FaqError, match=r"broken\.yml") as error:
        load_faq(tmp_path)
    assert message in str(error.value)


def test_non_utf8_file_is_a_clear_error(tmp_path):
    (tmp_path / "latin1.yml").write_bytes("faq: [é]".encode("latin-1"))
    with pytest.raises(FaqError, match=r"latin1\.yml"):
        load_faq(tmp_path)


def test_duplicate_keys_across_files_are_refused(tmp_path):
    write(tmp_path / "a.yml")
    write(tmp_path / "b.yml")
    with pytest.raises(FaqError, match="defined twice"):
        load_faq(tmp_path)


def test_store_picks_up_an_edited_answer_and_survives_a_broken_edit(tmp_path):
    path = tmp_path / "a.yml"
    write(path)
    store = FaqStore(tmp_path)

    def english() -> str:
        entry = store.get("refund_time")
        assert entry is not None
        return entry.answer["en"]

    assert english() == "3-15 days"

    write(path, en="three to fifteen days")
    os.utime(path, ns=(1, 10**18))
    assert english() == "three to fifteen days"

    path.write_text("faq: [", encoding="utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    assert english() == "three to fifteen days"
    assert store.last_error and "a.yml" in store.last_error
