"""Offset units and text boundaries, converted in one place.

Our offsets count Unicode code points (Python ``str`` indices), as W3C Web
Annotation, NIF and Label Studio 1.23 do. Tools that count UTF-16 code units
(UIMA, JavaScript) or UTF-8 bytes (BioC) are converted here, at the boundary.
"""

from __future__ import annotations

import bisect
import unicodedata
from functools import cached_property, lru_cache

import regex


class OffsetConverter:
    """Maps code point offsets of one text to UTF-16 units and UTF-8 bytes and back."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _utf16(self) -> list[int]:
        out = [0]
        for ch in self.text:
            out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
        return out

    @cached_property
    def _utf8(self) -> list[int]:
        out = [0]
        for ch in self.text:
            out.append(out[-1] + len(ch.encode("utf-8", "surrogatepass")))
        return out

    def to_utf16(self, cp: int) -> int:
        return self._utf16[cp]

    def to_utf8(self, cp: int) -> int:
        return self._utf8[cp]

    @staticmethod
    def _back(table: list[int], unit: int, what: str) -> int:
        i = bisect.bisect_left(table, unit)
        if i == len(table) or table[i] != unit:
            raise ValueError(f"{what} offset {unit} falls inside a character")
        return i

    def from_utf16(self, unit: int) -> int:
        return self._back(self._utf16, unit, "UTF-16")

    def from_utf8(self, byte: int) -> int:
        return self._back(self._utf8, byte, "UTF-8")


_GRAPHEME = regex.compile(r"\X", regex.DOTALL)


def grapheme_boundaries(text: str) -> set[int]:
    """Code point offsets where an extended grapheme cluster starts or ends."""
    bounds = {0, len(text)}
    for m in _GRAPHEME.finditer(text):
        bounds.add(m.end())
    return bounds


# General categories whose characters never join a neighbour into one grapheme cluster (UAX #29):
# no Extend, SpacingMark, Prepend, ZWJ, Hangul jamo or syllables (all in M*, Cf, Lo, Lm or Sk).
_SAFE_CATEGORIES = frozenset(
    {"Lu", "Ll", "Lt", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "So", "Zs"}
)


def _safe(ch: str) -> bool:
    if ch < "\u0300":
        return True
    if "\U0001f1e6" <= ch <= "\U0001f1ff":  # regional indicators pair up into flags
        return False
    return unicodedata.category(ch) in _SAFE_CATEGORIES


@lru_cache(maxsize=1 << 16)
def _joins(ch: str) -> bool:
    """``not _safe(ch)``, kept per character: a corpus repeats the same few non-Latin characters."""
    return not _safe(ch)


def surely_boundary(text: str, i: int) -> bool:
    """True when ``i`` is certainly a grapheme boundary, without segmenting the text.

    Between two characters that can never join a neighbour (see _SAFE_CATEGORIES)
    every rule of UAX #29 breaks, except CR LF. False means "segment to find
    out", not "not a boundary".
    """
    if i <= 0 or i >= len(text):
        return True
    a, b = text[i - 1], text[i]
    return _safe(a) and _safe(b) and not (a == "\r" and b == "\n")


_BEYOND_LATIN = regex.compile(r"[^\x00-\u02ff]")  # the characters _safe has to look up
_unsure_cache: list = [None, frozenset()]  # [text, its unsure offsets]: the last text asked about


def unsure_boundaries(text: str) -> frozenset[int]:
    """Every offset ``i`` where ``surely_boundary(text, i)`` is False, found without a loop over the text.

    Each distinct character that may join a neighbour is looked up once and then found with
    ``str.find``. The rules ask about each span's two ends one document at a time, so the
    answer for the last text asked about is kept (by identity): a span's check is then two set
    lookups.
    """
    if text is _unsure_cache[0]:
        return _unsure_cache[1]
    out: set[int] = set()
    for ch in set(_BEYOND_LATIN.findall(text)):
        if _joins(ch):
            i = text.find(ch)
            while i != -1:
                out.add(i)
                out.add(i + 1)
                i = text.find(ch, i + 1)
    if "\r" in text:  # a one-character search first: looking for "\r\n" costs ten times as much
        i = text.find("\r\n")
        while i != -1:
            out.add(i + 1)
            i = text.find("\r\n", i + 1)
    n = len(text)
    result = frozenset(i for i in out if 0 < i < n)
    _unsure_cache[:] = [text, result]
    return result


def is_boundary(text: str, i: int, window: int = 64) -> bool:
    """Whether ``i`` is a grapheme boundary, segmenting only from the nearest certain boundary before it."""
    if surely_boundary(text, i):
        return True
    j = i - 1
    while j > 0 and i - j < window and not surely_boundary(text, j):
        j -= 1
    if j > 0 and not surely_boundary(text, j):
        return i in grapheme_boundaries(text)
    for m in _GRAPHEME.finditer(text, j):
        if m.end() >= i:
            return m.end() == i
    return i == len(text)


def splits_grapheme(text: str, start: int, end: int, bounds: set[int] | None = None) -> bool:
    """True if ``[start, end)`` cuts through a user-perceived character."""
    b = bounds if bounds is not None else grapheme_boundaries(text)
    return start not in b or end not in b


def edge_whitespace(span_text: str) -> bool:
    return bool(span_text) and (span_text[0].isspace() or span_text[-1].isspace())


def find_all(text: str, needle: str) -> list[int]:
    """Every start offset of ``needle`` in ``text``, overlapping matches included."""
    out: list[int] = []
    if not needle:
        return out
    i = text.find(needle)
    while i != -1:
        out.append(i)
        i = text.find(needle, i + 1)
    return out
