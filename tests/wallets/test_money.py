"""The money module against an exact reference (fractions): half-even to the cent, never
below zero, discount plus charge is the price."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from slotwise.wallets import money

prices = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)
percents = st.decimals(min_value=0, max_value=100, places=2)


def half_even_cents(value: Fraction) -> Decimal:
    """The reference: ``value`` in cents, ties to the even cent (Python's round is half-even)."""
    return Decimal(round(value * 100)) / 100


def test_ties_go_to_the_even_cent() -> None:
    assert money.percent_of(Decimal("0.25"), Decimal(10)) == Decimal("0.02")  # 0.025
    assert money.percent_of(Decimal("0.35"), Decimal(10)) == Decimal("0.04")  # 0.035
    assert money.percent_of(Decimal("10.05"), Decimal(50)) == Decimal("5.02")  # 5.025
    assert money.percent_of(Decimal("10.15"), Decimal(50)) == Decimal("5.08")  # 5.075


@settings(max_examples=500)
@given(prices, percents)
def test_percent_discount_is_half_even_to_the_cent(price: Decimal, percent: Decimal) -> None:
    discount, charge = money.discounted(price, percent=percent)
    assert discount == half_even_cents(Fraction(price) * Fraction(percent) / 100)
    assert discount + charge == price
    assert Decimal("0.00") <= charge <= price
    assert discount.as_tuple().exponent == -2 and charge.as_tuple().exponent == -2


@settings(max_examples=300)
@given(prices, prices)
def test_amount_discount_is_capped_at_the_price(price: Decimal, amount: Decimal) -> None:
    discount, charge = money.discounted(price, amount=amount)
    assert discount == min(amount, price)
    assert discount + charge == price and charge >= 0


@given(prices)
def test_no_discount_charges_the_price(price: Decimal) -> None:
    assert money.discounted(price) == (Decimal("0.00"), price)
