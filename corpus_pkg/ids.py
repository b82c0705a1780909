"""The corpus id scheme, in one place: ``<doc_id>-<letter><number>``.

Spans are ``<doc_id>-e001`` (entity), ``-d`` (date), ``-q`` (quote), ``-c``
(claim); relations ``<doc_id>-r001``. An id names its document and layer, so ids
unique within a document are unique in the corpus. Batch ids are local and
free-form until a merge gives them corpus ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LAYER_LETTER: dict[str, str] = {"entity": "e", "date": "d", "quote": "q", "claim": "c"}
RELATION_LETTER = "r"
DIGITS = 3

_CANONICAL = re.compile(r"(?P<doc>[a-z0-9][a-z0-9-]*)-(?P<letter>[edqcr])(?P<n>[0-9]{3,})")


@dataclass(frozen=True)
class CorpusId:
    doc_id: str
    letter: str
    number: int


def parse(rid: str) -> CorpusId | None:
    """The parts of a corpus id, or None when ``rid`` does not follow the scheme."""
    m = _CANONICAL.fullmatch(rid)
    return CorpusId(m["doc"], m["letter"], int(m["n"])) if m else None


def letter_of(layer_or_relation: str) -> str:
    """The id letter of a span layer, or ``r`` for ``relation``."""
    return RELATION_LETTER if layer_or_relation == "relation" else LAYER_LETTER[layer_or_relation]


def make(doc_id: str, letter: str, number: int) -> str:
    return f"{doc_id}-{letter}{number:0{DIGITS}d}"


def number_in(rid: str, doc_id: str, letter: str) -> int | None:
    """The number of ``rid`` if it is a corpus id of ``doc_id`` with ``letter``."""
    p = parse(rid)
    return p.number if p is not None and p.doc_id == doc_id and p.letter == letter else None


def is_canonical(rid: str, doc_id: str, letter: str) -> bool:
    return number_in(rid, doc_id, letter) is not None


class Numbering:
    """Hands out the next free ids of one document, after the highest in use per letter."""

    def __init__(self, doc_id: str, used: Iterable[str] = ()) -> None:
        self.doc_id = doc_id
        self.highest: dict[str, int] = {}
        for rid in used:
            self.note(rid)

    def note(self, rid: str) -> None:
        p = parse(rid)
        if p is not None and p.doc_id == self.doc_id:
            self.highest[p.letter] = max(self.highest.get(p.letter, 0), p.number)

    def next(self, letter: str) -> str:
        n = self.highest.get(letter, 0) + 1
        self.highest[letter] = n
        return make(self.doc_id, letter, n)
