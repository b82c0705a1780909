"""Well-formedness of TIMEX3 ``value`` attributes (TimeML 1.2.1, ISO-TimeML).

Checks the shape of a value for its ``type``; calendar dates that are fully
specified must also exist (no 2023-02-30).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

_REF = r"(?:PAST_REF|PRESENT_REF|FUTURE_REF)"
_YEAR = r"(?:\d{4}|\d{3}X|\d{2}XX|XXXX)"
_DAY_DATE = rf"{_YEAR}-(?:\d{{2}}|XX)-(?:\d{{2}}|XX)"
_CALENDAR = (
    rf"(?:{_DAY_DATE}|{_YEAR}-(?:\d{{2}}|XX)|{_YEAR}-W(?:\d{{2}}|XX)(?:-(?:[1-7]|WE))?"
    rf"|{_YEAR}-Q[1-4X]|{_YEAR}-H[12X]|{_YEAR}-(?:SP|SU|FA|WI)|{_YEAR}|\d{{2}}|\d{{3}})"
)
_PART_OF_DAY = r"(?:MO|MI|AF|EV|NI|DT)"
_CLOCK = r"\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_TIME = rf"(?:{_CALENDAR}|XXXX-XX-XX)?T(?:{_CLOCK}|{_PART_OF_DAY})"
_NUM = r"(?:\d+(?:\.\d+)?|X)"
_DURATION = (
    rf"P(?:(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
    rf"|{_NUM}(?:DE|CE|ML|Q|WE))"
)

_PATTERNS = {
    "DATE": re.compile(rf"(?:{_CALENDAR}|{_REF})"),
    "TIME": re.compile(rf"(?:{_TIME}|{_REF})"),
    "DURATION": re.compile(_DURATION),
    "SET": re.compile(rf"(?:{_DURATION}|{_CALENDAR}|{_TIME})"),
}


# TimeML 1.2.1: which modifiers a TIMEX3 type takes (points, lengths, both); SET takes none.
MOD_TYPES = {
    **dict.fromkeys(("BEFORE", "AFTER", "ON_OR_BEFORE", "ON_OR_AFTER"), ("DATE", "TIME")),
    **dict.fromkeys(("LESS_THAN", "MORE_THAN", "EQUAL_OR_LESS", "EQUAL_OR_MORE"), ("DURATION",)),
    **dict.fromkeys(("START", "MID", "END", "APPROX"), ("DATE", "TIME", "DURATION")),
}


@functools.lru_cache(maxsize=4096)
def timex_problem(timex_type: str, value: str, mod: str | None = None) -> str | None:
    """A description of what is wrong with ``value`` (and ``mod``) for ``timex_type``, or None.

    Cached: a corpus repeats the same few values, and validation asks about every date span.
    """
    if mod is not None and timex_type not in MOD_TYPES.get(mod, ()):
        takes = ", ".join(MOD_TYPES.get(mod, ())) or "no type"
        return f"mod {mod} applies to {takes}, not to a {timex_type}"
    pattern = _PATTERNS.get(timex_type)
    if pattern is None:
        return f"unknown TIMEX3 type {timex_type!r}"
    if not pattern.fullmatch(value):
        return f"{value!r} is not a well-formed TIMEX3 value for type {timex_type}"
    if value.startswith("P") and (value in ("P", "PT") or value.endswith("T")):
        return f"{value!r} is an empty duration"
    m = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?(?![\dW])", value)
    if m and timex_type in ("DATE", "TIME", "SET"):
        year, month, day = int(m[1]), int(m[2]), m[3]
        if not 1 <= month <= 12:
            return f"{value!r}: month {month:02d} does not exist"
        if day is not None:
            try:
                dt.date(year, month, int(day))
            except ValueError:
                return f"{value!r}: day {day} does not exist in {year}-{month:02d}"
    return None
