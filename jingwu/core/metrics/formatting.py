"""How figures are written: rates as "98.5%", a zero denominator as "—", money as 亿元/万元."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

DASH = "—"
_YI = Decimal(100_000_000)
_WAN = Decimal(10_000)


def trim(value: Decimal | int | float, places: int = 2) -> str:
    """Round half up to ``places`` decimals and drop trailing zeros: 5.820 → "5.82", 100.0 → "100"."""
    quantum = Decimal(1).scaleb(-places)
    text = f"{Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def trim_below(value: Decimal | int | float, ceiling: Decimal | int, places: int = 2) -> str:
    """``trim``, except that a value below ``ceiling`` never reads as the ceiling: it is cut (not
    rounded) to ``places`` decimals instead: 99.95 below 100 → "99.9", not "100"."""
    number = Decimal(str(value))
    text = trim(number, places)
    if number < ceiling and Decimal(text) >= ceiling:
        quantum = Decimal(1).scaleb(-places)
        text = trim(number.quantize(quantum, rounding=ROUND_DOWN), places)
    return text


def format_percent(ratio: Decimal | float | None, places: int = 1) -> str:
    """A ratio (0.985) as a percentage ("98.5%"); ``None`` (zero denominator) as "—", never 100%.
    A ratio below 1 never reads "100%": 1999/2000 is "99.9%" (cut, not rounded up)."""
    if ratio is None:
        return DASH
    return f"{trim_below(Decimal(str(ratio)) * 100, 100, places)}%"


def percent_points(ratio: Decimal | float | None, places: int = 1) -> float | None:
    """A ratio as percent points for a chart (0.9995 → 99.9, never 100.0 below 1)."""
    if ratio is None:
        return None
    return float(trim_below(Decimal(str(ratio)) * 100, 100, places))


def format_amount_yuan(n: Decimal | int | float | None) -> str:
    """An amount in yuan as Chinese prose writes it: 582000000 → "5.82亿元", 36500 → "3.65万元"."""
    if n is None:
        return DASH
    amount = Decimal(str(n))
    if abs(amount) >= _YI:
        return f"{trim(amount / _YI)}亿元"
    if abs(amount) >= _WAN:
        return f"{trim(amount / _WAN)}万元"
    return f"{trim(amount)}元"


def format_number(n: Decimal | int | float | None, suffix: str = "", places: int = 2) -> str:
    if n is None:
        return DASH
    return f"{trim(n, places)}{suffix}"
