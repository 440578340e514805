"""Reading numbers, scales and currencies as news text writes them.

Pure helpers for :mod:`evwatch.extract.figures`: ``"1,234.5"``, ``"seven"``, ``"twenty-five"``,
``"a"``/``"half a"`` (before a scale word), scale words and suffixes (``"thousand"``, ``"k"``,
``"million"``, ``"m"``, ``"mn"``, ``"bn"``, ``"tn"``, ``"hundred thousand"``) and currency marks
(``"US$"``, ``"HK$"``, ``"RMB"``, ``"₩"``, ``"yuan"``, ``"US dollars"``) normalised to ISO codes.

The regular-expression fragments here are the single source of these vocabularies; figures.py
assembles them into its compiled patterns.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# --------------------------------------------------------------------------- numbers

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_ARTICLES = {"a": 1.0, "an": 1.0, "half a": 0.5, "half an": 0.5}

_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3, "k": 1e3,
    "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "tn": 1e12, "trn": 1e12,
}

#: A spelled-out number: "seven", "twenty-five", "ninety", and "a"/"half a" when a scale word
#: follows ("a million", "half a billion"). Patterns here are case-sensitive on purpose (a capital
#: is allowed on the first letter only): ``re.IGNORECASE`` makes scanning several times slower.
SPELLED_NUMBER = (
    r"(?:(?:[Hh]alf\s+an?|[Aa]n?)(?=\s+(?:hundred|thousand|million|billion|trillion)\b)"
    r"|(?:[Tt]wenty|[Tt]hirty|[Ff]orty|[Ff]ifty|[Ss]ixty|[Ss]eventy|[Ee]ighty|[Nn]inety)"
    r"(?:-(?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|[Zz]ero|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|[Nn]ine|[Tt]en|[Ee]leven"
    r"|[Tt]welve|[Tt]hirteen|[Ff]ourteen|[Ff]ifteen|[Ss]ixteen|[Ss]eventeen|[Ee]ighteen|[Nn]ineteen)"
)

#: Digits with thousands separators or decimals: "350,000", "4.5", "2024".
DIGIT_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"

#: A scale after the number. Words may follow a space; abbreviations other than bn/mn/tn must be
#: attached ("$300m", "350k"), so that "4.9 m long" is not read as millions.
SCALE = (
    r"(?:\s*(?:hundred\s+)?(?:thousand|million|billion|trillion)(?![\w-])"
    r"|\s?(?:bn|mn|mln|tn|trn)(?![\w-])"
    r"|[kKmMbB](?![\w-]))"
)


def parse_number(text: str) -> float | None:
    """The value of a digit or spelled-out number ("1,234.5", "seven", "twenty-five", "a").

    Returns None when the text is not a number this module reads.
    """
    if text[:1].isdigit():
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return None
    t = text.strip().lower()
    if not t:
        return None
    t = re.sub(r"\s+", " ", t)
    if t in _ARTICLES:
        return _ARTICLES[t]
    if t in _UNITS:
        return float(_UNITS[t])
    if t in _TENS:
        return float(_TENS[t])
    tens, _, unit = t.partition("-")
    if tens in _TENS and unit in _UNITS:
        return float(_TENS[tens] + _UNITS[unit])
    return None


def scaled(value: float, factor: float) -> float:
    """``value * factor`` without binary noise: 32.8 billion is 32800000000.0, not ...99.999996.

    Scales are powers of ten, so the product is read back from its decimal form.
    """
    if factor == 1.0:
        return value
    exponent = math.log10(factor)
    if exponent.is_integer():
        return float(f"{value!r}e{int(exponent)}")
    return value * factor


@lru_cache(maxsize=256)
def scale_factor(text: str) -> float:
    """The multiplier of a scale suffix ("billion" → 1e9, "bn" → 1e9, "hundred thousand" → 1e5).

    An empty or unknown scale is 1.
    """
    factor = 1.0
    for word in text.strip().lower().split():
        factor *= _SCALES.get(word, 1.0)
    return factor


# --------------------------------------------------------------------------- currencies

#: A currency mark written before the amount ("$", "US$", "HK$", "RMB", "₩", "W" (won)).
CURRENCY_PREFIX = (
    r"(?:U\.?S\.?\s?\$|HK\$|NT\$|S\$|A\$|C\$|\$|€|£|¥|₩"
    r"|(?:USD|RMB|Rmb|CNY|KRW|EUR|HKD|JPY|GBP)(?=\s?\d)"
    r"|W(?=\d))\s?"
)

#: A currency named after the amount ("yuan", "won", "US dollars", "Hong Kong dollars", "RMB").
CURRENCY_SUFFIX = (
    r"(?:(?:US|U\.S\.|American|Hong\s+Kong|HK|Singapore|Australian|Canadian|Taiwan(?:ese)?"
    r"|New\s+Taiwan)\s+dollars?|dollars?|yuan|renminbi|won|[Ee]uros?|yen|pounds?(?:\s+sterling)?(?!\s+of\b)"
    r"|USD|RMB|CNY|KRW|EUR|JPY|HKD|GBP)(?![\w-])"
)

_PREFIX_CODES = {
    "$": "USD", "us$": "USD", "u.s.$": "USD", "hk$": "HKD", "nt$": "TWD", "s$": "SGD",
    "a$": "AUD", "c$": "CAD", "€": "EUR", "£": "GBP", "₩": "KRW", "w": "KRW",
    "usd": "USD", "rmb": "CNY", "cny": "CNY", "krw": "KRW", "eur": "EUR", "hkd": "HKD",
    "jpy": "JPY", "gbp": "GBP",
}
_SUFFIX_CODES = {
    "dollar": "USD", "us dollar": "USD", "u.s. dollar": "USD", "american dollar": "USD",
    "hong kong dollar": "HKD", "hk dollar": "HKD", "singapore dollar": "SGD",
    "australian dollar": "AUD", "canadian dollar": "CAD", "taiwan dollar": "TWD",
    "taiwanese dollar": "TWD", "new taiwan dollar": "TWD",
    "yuan": "CNY", "renminbi": "CNY", "rmb": "CNY", "cny": "CNY", "won": "KRW", "krw": "KRW",
    "euro": "EUR", "eur": "EUR", "yen": "JPY", "jpy": "JPY", "pound": "GBP",
    "pound sterling": "GBP", "gbp": "GBP", "usd": "USD", "hkd": "HKD",
}


@lru_cache(maxsize=512)
def currency_code(mark: str, *, yen_context: bool = False) -> str:
    """The ISO code of a currency mark written before or after an amount.

    "¥" is both the yuan and the yen sign; it reads as CNY (this watch is about a Chinese
    carmaker) unless ``yen_context`` says the sentence is about Japan or names the yen.
    Returns "" for an unknown mark.
    """
    key = " ".join(mark.lower().split())
    if key == "¥":
        return "JPY" if yen_context else "CNY"
    key = key.replace("u.s. $", "u.s.$").replace("us $", "us$")
    if key in _PREFIX_CODES:
        return _PREFIX_CODES[key]
    if key.endswith("s") and key[:-1] in _SUFFIX_CODES:
        return _SUFFIX_CODES[key[:-1]]
    if key.endswith("s sterling"):
        key = key.replace("s sterling", " sterling")
    return _SUFFIX_CODES.get(key, "")
