"""Single cell values: formula-like text, characters Excel cannot store, Excel serials."""

from __future__ import annotations

from datetime import date

import pytest

from graph import cells


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tfoo", "\rfoo", "'Rutinen'"]
)
def test_formula_like_or_apostrophe_text_needs_a_quote_prefix(text: str) -> None:
    assert cells.needs_quote_prefix(text)


def test_plain_text_needs_none_and_illegal_characters_are_removed() -> None:
    assert not cells.needs_quote_prefix("Två fakturor -1")
    assert cells.clean_text("a\x00b\x07c\x1fd\ne\tf") == "abcd\ne\tf"
    assert len(cells.clean_text("x" * 40000)) == 32767


def test_excel_serials_as_a_graph_backend_reads_them() -> None:
    assert cells.to_serial(date(2026, 5, 15)) == 46157
    assert cells.parse_date(46157) == date(2026, 5, 15)
    assert cells.parse_date(0) is None and cells.parse_date(True) is None
