"""Numbers written into text by pure modules (app.i18n.format_number, format_signed): the
reader's locale decides the decimal and grouping symbols, English until the app installs
its locale; a difference that rounds to zero carries no sign."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from app import i18n
from app.i18n import MINUS, format_number, format_signed, number_symbols, pinned_numbers


@pytest.fixture
def spanish_locale() -> Iterator[None]:
    """The locale a pure test reads as Spanish, put back to English afterwards."""
    installed = i18n._locale[0]
    i18n.use_locale(lambda: "es")
    yield
    i18n.use_locale(installed)


def test_english_by_default_with_grouping_and_a_true_minus() -> None:
    assert number_symbols() == (".", ",")
    assert format_number(1234.5, 1) == "1,234.5"
    assert format_number(3.8) == "3.80"
    assert format_number(-0.5) == MINUS + "0.50"
    assert format_number(1234567.891, 0) == "1,234,568"


def test_spanish_swaps_the_symbols(spanish_locale: None) -> None:
    assert number_symbols() == (",", ".")
    assert format_number(1234.5, 1) == "1.234,5"
    assert format_number(1234567.25) == "1.234.567,25"
    assert format_number(3.8) == "3,80"
    assert format_signed(0.4) == "+0,40"
    assert format_signed(-1234.5, 1) == MINUS + "1.234,5"


@pytest.mark.parametrize("value", [0.0, -0.0, 0.004, -0.004, -0.00499])
def test_a_difference_that_rounds_to_zero_has_no_sign(value: float) -> None:
    assert format_signed(value) == "0.00"
    assert format_number(value) == "0.00"
    assert format_signed(value, 0) == "0"


def test_signed_zero_in_spanish_too(spanish_locale: None) -> None:
    assert format_signed(-0.001) == "0,00"
    assert format_signed(0.001) == "0,00"
    assert format_signed(-0.006) == MINUS + "0,01"


def test_signs_of_real_differences() -> None:
    assert format_signed(0.005001) == "+0.01"
    assert format_signed(-0.4) == MINUS + "0.40"
    assert format_signed(12.345, 1) == "+12.3"


def test_an_unknown_locale_writes_english() -> None:
    installed = i18n._locale[0]
    try:
        i18n.use_locale(lambda: "xx_not_a_locale")
        assert format_number(1234.5, 1) == "1,234.5"
        i18n.use_locale(lambda: None)  # outside a request flask-babel may say nothing
        assert format_number(1234.5, 1) == "1,234.5"
    finally:
        i18n.use_locale(installed)


def test_non_finite_values_are_written_as_python_does() -> None:
    assert format_number(math.nan) == "nan"
    assert format_signed(math.inf) == "+inf"


def test_the_app_installs_the_request_locale(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert format_number(1234.5, 1) == "1.234,5"
        with force_locale("en"):
            assert format_number(1234.5, 1) == "1,234.5"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_signed(-0.004) == "0.00"
        assert format_number(1234.5, 1) == "1,234.5"


def test_pinned_numbers_ask_the_locale_once_and_let_go_after_the_block() -> None:
    installed = i18n._locale[0]
    asked: list[str] = []

    def spanish() -> str:
        asked.append("es")
        return "es"

    try:
        i18n.use_locale(spanish)
        with pinned_numbers():
            assert [format_number(1234.5, 1) for _ in range(3)] == ["1.234,5"] * 3
            i18n.use_locale(lambda: "en")  # a change inside the block is not seen
            assert format_signed(0.25) == "+0,25"
        assert asked == ["es"]
        assert format_number(1234.5, 1) == "1,234.5"
    finally:
        i18n.use_locale(installed)
