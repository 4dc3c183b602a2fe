"""pipeline.script: same-length Traditional -> Simplified, and the Traditional test."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.script import _table, is_traditional, to_simplified

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV11 = SHARED / "corpus" / "dev" / "dev11.txt"


def test_when_any_table_character_occurs_then_it_is_converted_like_the_whole_table_would() -> None:
    # to_simplified skips texts with nothing to convert: every character of the table must count
    table = _table()
    for cp in sorted(table):
        text = f"银行{chr(cp)}证券"
        assert to_simplified(text) == text.translate(table), hex(cp)
    assert to_simplified("银行\U00020000证券") == "银行\U00020000证券"  # astral, not in the table


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中國銀行（香港）有限公司牽頭", "中国银行（香港）有限公司牵头"),
        ("滙豐、渣打分別申報了", "汇丰、渣打分别申报了"),
        ("「數碼港元」", "“数码港元”"),
        ("『保險+期貨』", "‘保险+期货’"),
        ("中信建投证券牵头申报", "中信建投证券牵头申报"),  # Simplified stays as it is
        ("ABC 123 ，。", "ABC 123 ，。"),
        ("", ""),
    ],
)
def test_when_text_is_converted_then_it_is_simplified(text: str, expected: str) -> None:
    assert to_simplified(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "香港上海滙豐銀行有限公司表示，綠色貸款代幣化平台將把貸款資金的使用情況與企業的減排數據掛鈎",
        "𠀀𠮷中國「」『』\n\t　",  # supplementary-plane ideographs, brackets, spaces
        "恒生銀行(00011)有限公司股價全日微升0.4%。",
    ],
)
def test_when_text_is_converted_then_every_offset_survives(text: str) -> None:
    out = to_simplified(text)
    assert len(out) == len(text)
    assert out == "".join(to_simplified(ch) for ch in text)  # character by character, no phrases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("金管局公布數碼港元試點第二階段名單 中銀香港等機構牽頭多個項目", True),
        ("金管局公布数码港元试点第二阶段名单 中银香港等机构牵头多个项目", False),
        ("中國銀行牽頭", False),  # under 5 changed characters: too little evidence
        ("证券" * 200 + "國銀頭聯報", False),  # 5 changed out of 405: under 3 %
        ("「数码港元」「监管沙盒」「独特价值」「市场」「需要」", False),  # brackets alone are not Traditional
        ("", False),
        ("no Chinese at all", False),
    ],
)
def test_when_share_of_traditional_characters_varies_then_is_traditional_says_so(
    text: str, expected: bool
) -> None:
    assert is_traditional(text) is expected


def test_when_dev11_is_read_then_it_is_traditional_and_its_simplified_form_is_not() -> None:
    if not DEV11.exists():
        pytest.skip(f"shared corpus not found at {DEV11}")
    text = DEV11.read_text(encoding="utf-8")
    assert is_traditional(text)
    assert not is_traditional(to_simplified(text))
