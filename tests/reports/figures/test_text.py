"""Escaping and formatting of the text inside the figures (app/reports/figures/text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reports import figures as f
from app.reports.figures.text import hover
from tests.reports.figures.samples import (
    EVIL,
)


def test_plain_escapes_markup_but_not_quotes() -> None:
    assert f.plain(EVIL) == "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
    assert f.plain("R&D") == "R&amp;D"
    assert f.plain("&lt;") == "&amp;lt;"  # an entity typed by a user stays literal
    # Plotly decodes only &amp; &lt; &gt; (and numeric entities): &quot; would show as is.
    assert f.plain('say "hi" it\'s') == 'say "hi" it\'s'
    assert f.plain("two\nlines") == "two lines"


@given(st.text())
def test_plain_leaves_no_markup_character_and_loses_no_text(text: str) -> None:
    shown = f.plain(text)
    assert "<" not in shown and ">" not in shown and "\n" not in shown and "\r" not in shown
    # What Plotly decodes back is the text, line breaks as spaces.
    decoded = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert decoded == text.replace("\r", " ").replace("\n", " ")


def test_wrap_label_escapes_each_line_and_joins_with_br() -> None:
    wrapped = f.wrap_label("Sales & Marketing <EMEA> and friends", 12)
    assert wrapped.split("<br>") == ["Sales &amp;", "Marketing", "&lt;EMEA&gt; and", "friends"]


def test_k_must_be_a_positive_int() -> None:
    with pytest.raises(ValueError, match="k must be"):
        f.hidden_label(0)
    assert f.hidden_label(7) == "fewer than 7*"


def test_hover_names_each_field_and_escapes_every_part() -> None:
    text = hover(
        "R&D <EMEA>",
        {"Mutuality <b>": "3.80 [3.50, 4.10]", "p": "< 0.001", "n": 24, "not given": None},
        context=["Authenticity & voice"],
    )
    assert text.split("<br>") == [
        "<b>R&amp;D &lt;EMEA&gt;</b>",
        "Authenticity &amp; voice",
        "Mutuality &lt;b&gt;: 3.80 [3.50, 4.10]",
        "p: &lt; 0.001",
        "n = 24",  # the count reads as in the captions; a field without a value is left out
    ]
