"""Wrong choices for a drafted multiple-choice card, matched in type to the right one.

A distractor of another type gives the answer away: "4 weeks" among "Tamoxifen" and "Clomid", or "12 mg" among
percentages. So each choice is given a type (a quantity and the kind of its unit, an acronym, a capitalised name, a
plain phrase), and only choices of the answer's type are offered, those from the same list or table column first.
When too few are left the card is drafted in another form rather than with a mismatched choice.

Pure: strings in, strings out.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable

from quizgen.core.kinds.grading import normalise

MAX_LOOKED_AT = 60
"""Candidates looked at per card, so a table column of thousands of cells still drafts in linear time."""
COUNT = "count"
YEAR = "year"
PERCENT = "percent"
DURATION = "duration"
FREQUENCY = "frequency"

_UNIT_KINDS: dict[str, tuple[str, ...]] = {
    PERCENT: ("%", "percent", "per cent", "pct"),
    "mass": ("ng", "µg", "μg", "ug", "mcg", "mg", "g", "kg", "lb", "lbs", "oz", "gram", "milligram", "microgram",
             "kilogram", "pound", "ounce", "tonne", "ton"),
    "volume": ("µl", "μl", "ml", "cl", "dl", "l", "cc", "litre", "liter", "millilitre", "milliliter", "gallon",
               "pint", "cup", "tablespoon", "teaspoon", "tbsp", "tsp"),
    "length": ("nm", "µm", "μm", "mm", "cm", "m", "km", "inch", "inche", "ft", "foot", "feet", "yard", "yd",
               "mile", "metre", "meter", "centimetre", "centimeter", "millimetre", "millimeter", "kilometre",
               "kilometer", "nanometre", "nanometer", "micrometre", "micrometer"),
    "temperature": ("°c", "°f", "℃", "℉", "°", "degree", "kelvin"),
    DURATION: ("ms", "s", "sec", "second", "min", "minute", "h", "hr", "hour", "d", "day", "wk", "week", "mo",
               "month", "y", "yr", "year", "decade", "century", "centurie", "millisecond", "microsecond",
               "nanosecond"),
    FREQUENCY: ("hz", "khz", "mhz", "ghz", "rpm", "bpm"),
    "data": ("bit", "byte", "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib"),
    "data rate": ("bps", "kbps", "mbps", "gbps", "kb/s", "mb/s", "gb/s"),
    "energy": ("j", "kj", "mj", "cal", "kcal", "calorie", "kilocalorie", "wh", "kwh"),
    "power": ("w", "kw", "mw", "gw", "watt", "kilowatt", "horsepower", "hp"),
    "voltage": ("v", "mv", "kv", "volt"),
    "current": ("ma", "amp", "ampere"),
    "pressure": ("pa", "kpa", "mpa", "bar", "mbar", "psi", "mmhg", "atm"),
}
_UNIT_KIND = {unit: kind for kind, units in _UNIT_KINDS.items() for unit in units}
_NUMBER_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty",
     "thirty", "forty", "fifty", "hundred", "thousand", "million", "billion", "dozen", "half", "a", "an", "several",
     "few", "many", "some"}
)
_TIME_UNITS = frozenset(
    {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "centurie", "fortnight"}
)
_FREQUENCY_WORDS = frozenset({"daily", "weekly", "monthly", "yearly", "annually", "hourly", "nightly", "fortnightly"})
_QUALIFIERS = re.compile(
    r"^(?:about|approx\.?|approximately|around|roughly|nearly|almost|up to|over|under|below|above|less than|"
    r"more than|at least|at most|~|<|>|≤|≥|<=|>=)\s*",
    re.IGNORECASE,
)
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_QUANTITY = re.compile(
    rf"^(?P<currency>[$€£¥])?\s*(?P<number>{_NUMBER}(?:\s*(?:-|–|—|to|or|and)\s*[$€£¥]?{_NUMBER})?)"
    r"\s*(?P<unit>\S.*)?$",
    re.IGNORECASE,
)
_RANGE_WORDS = frozenset({"to", "or", "and", "-", "–", "—", "per", "a", "an", "each", "every", "times", "time"})
_CONNECTORS = frozenset({"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "with", "from",
                         "vs", "vs.", "per", "as", "&", "/", "-", "–", "—", "+"})


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word


def _unit_kind(unit: str) -> str:
    """The kind of a quantity's unit ("mg daily" is a mass), else the counted noun itself ("daughter cells")."""
    unit = unit.strip().rstrip(".,;:")
    lowered = unit.lower()
    if lowered.startswith(("per cent", "percent")):
        return PERCENT
    words = lowered.split()
    first = words[0] if words else ""
    if "/" in first:
        # A rate ("mg/dL", "km/h"): the same kind only when the unit is the same.
        return "rate " + first
    for key in (first, _singular(first)):
        if key in _UNIT_KIND:
            return _UNIT_KIND[key]
    if first in ("times", "time", "x", "×") or (len(words) >= 2 and words[-1] in ("daily", "weekly")):
        return FREQUENCY
    return "of " + " ".join(_singular(word) for word in words)


def _words_quantity(words: list[str]) -> str:
    """"weeks to several months", "a few days", "twice weekly", "once a day": a span of time or a frequency in
    words, or ""."""
    if not words:
        return ""
    if words[0] in ("once", "twice", "thrice") or all(w in _FREQUENCY_WORDS or w in _RANGE_WORDS for w in words):
        return FREQUENCY if any(w in _FREQUENCY_WORDS or w in ("once", "twice", "thrice") for w in words) else ""
    units = [_singular(w) for w in words if w not in _NUMBER_WORDS and w not in _RANGE_WORDS]
    if units and all(u in _TIME_UNITS for u in units):
        return DURATION
    return ""


def _shape(text: str) -> str:
    """How a name or phrase is written: an acronym, a capitalised word, a capitalised name, a phrase."""
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "symbols"
    if len(words) == 1:
        upper = sum(c.isupper() for c in text)
        lower = sum(c.islower() for c in text)
        if (upper >= 2 and upper >= lower) or (upper and lower == 0 and any(c.isdigit() for c in text)):
            return "acronym"
        return "word" if text[0].isupper() else "lower word"
    if not text[0].isupper():
        return "lower phrase"
    significant = [w for w in words if w.lower() not in _CONNECTORS]
    if all(w[0].isupper() or not w[0].isalpha() for w in significant):
        return "name"
    return "phrase"


@functools.lru_cache(maxsize=65536)
def answer_type(text: str) -> str:
    """The type a distractor must share with the answer: ``number: percent``, ``number: mass``, ``number: of
    cells``, ``number: count``, ``number: year``, ``acronym``, ``word``, ``name``, ``phrase``..."""
    text = " ".join(text.split())
    bare = _QUALIFIERS.sub("", text)
    quantity = _QUANTITY.match(bare)
    if quantity:
        if quantity["currency"]:
            return "number: money " + quantity["currency"]
        unit = quantity["unit"] or ""
        if not unit:
            number = quantity["number"]
            if re.fullmatch(r"1[5-9]\d\d|20\d\d", number):
                return f"number: {YEAR}"
            return f"number: {COUNT}"
        return "number: " + _unit_kind(unit)
    in_words = _words_quantity(bare.lower().replace(",", " ").split())
    if in_words:
        return f"number: {in_words}"
    return _shape(text)


def compatible(first: str, second: str) -> bool:
    """Whether choices of these types can stand side by side: the same type, or a capitalised word beside a
    capitalised name or phrase ("Fatigue" among "Muscle Atrophy"), a lower-case word beside a lower-case phrase."""
    if first == second:
        return True
    pair = {first, second}
    return pair in ({"word", "name"}, {"word", "phrase"}, {"lower word", "lower phrase"})


def pick(answer: str, stem: str, tiers: Iterable[Iterable[str]], wanted: int) -> list[str]:
    """Up to ``wanted`` wrong choices for ``answer``, taken in order from ``tiers`` (the same list or column
    first): each of the answer's type, none the same as the answer or another choice once normalised, and none
    that the stem (the question's own text) already contains."""
    kind = answer_type(answer)
    # As contains_phrase compares, with the stem normalised once rather than once per candidate.
    stem_words = f" {normalise(stem)} "
    seen = {_folded(answer)}
    out: list[str] = []
    for candidate in itertools.islice(itertools.chain.from_iterable(tiers), MAX_LOOKED_AT):
        if len(out) == wanted:
            break
        folded = _folded(candidate)
        if not folded or folded in seen or f" {folded} " in stem_words:
            continue
        if not compatible(kind, answer_type(candidate)):
            continue
        seen.add(folded)
        out.append(candidate)
    return out


@functools.lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    # A list's terms are compared with every card of the list: each is normalised once.
    return normalise(text)
