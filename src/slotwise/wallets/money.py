"""Money arithmetic in one place: ``Decimal`` only, quantized to the cent, half-even.

Half-even (banker's rounding) so that many rounded discounts do not drift the firm's books
upwards the way half-up does.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-even to two decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def percent_of(price: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``price``, rounded half-even to the cent."""
    return cents(price * percent / HUNDRED)


def discounted(
    price: Decimal, *, percent: Decimal | None = None, amount: Decimal | None = None
) -> tuple[Decimal, Decimal]:
    """(discount, charge) for a price and at most one of a percent or an amount off.

    The caller has checked the bounds (0..100 %, 0..price); the charge is never negative.
    """
    price = cents(price)
    if percent is not None:
        discount = percent_of(price, percent)
    elif amount is not None:
        discount = cents(amount)
    else:
        discount = Decimal("0.00")
    discount = min(discount, price)
    return discount, price - discount
