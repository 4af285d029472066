import pytest

from haicap_shared.text import like_pattern, search_key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Cao Bằng", "cao bang"),
        ("Phường Thục Phán", "phuong thuc phan"),
        ("Đề Thám", "de tham"),
        ("đường ĐỒNG", "duong dong"),
        ("  Xã   Hưng  Đạo ", "xa hung dao"),
        ("Nguyễn Thị Ánh", "nguyen thi anh"),
    ],
)
def test_search_key_drops_marks_and_case(text: str, key: str) -> None:
    assert search_key(text) == key


def test_both_tone_placements_match() -> None:
    assert search_key("Hòa An") == search_key("Hoà An") == "hoa an"
    assert search_key("Thủy") == search_key("Thuỷ") == "thuy"


def test_decomposed_input_is_normalised_first() -> None:
    decomposed = "Ca\u0306\u0300o"  # "Cằo" typed with combining marks
    assert search_key(decomposed) == "cao"


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_x") == "%50\\%\\_x%"
    assert like_pattern("Thục") == "%thuc%"
