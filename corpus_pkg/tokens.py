"""The token view of the entity layer: spaCy's blank English tokenizer, IOB2 tags, and back.

The tokenizer is ``spacy.blank("en")`` with three extra splits for scraped
news text (see :func:`_nlp`).

Alignment is strict. An entity whose boundaries do not fall on token
boundaries raises :class:`AlignmentError` naming the document, the span and
its text; it is never dropped or stretched, because a silently moved span is a
wrong training label.

Rows are sentences (or longer stretches where an entity crosses a sentence
boundary). Token offsets stay relative to the whole document text, so every
row points straight back into ``documents``. Whitespace tokens (newlines,
double spaces, no-break spaces) are dropped from the rows; they are never an
entity's first or last token, so the character spans survive the round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from corpus_pkg.model import Span


class AlignmentError(ValueError):
    """An entity that cannot be expressed in tokens."""


class IOB2Error(ValueError):
    """A tag sequence that is not well-formed IOB2."""


@dataclass(frozen=True)
class Sentence:
    """One row of the ``ner`` view; offsets are code points into the document text."""

    start: int
    end: int
    tokens: list[str]
    token_starts: list[int]
    token_ends: list[int]
    tags: list[str]


def tag_names(entity_types: Sequence[str]) -> list[str]:
    """The IOB2 tag set in conll2003 order: ``O``, then ``B-``/``I-`` per type."""
    return ["O"] + [f"{p}-{t}" for t in entity_types for p in ("B", "I")]


# Superscript digits: footnote markers glued to words ("Pyongyang.⁷", "¹The").
SUPERSCRIPTS = "¹²³⁰⁴⁵⁶⁷⁸⁹"


@cache
def _nlp() -> Language:
    """``spacy.blank("en")`` plus three splits that scraped news text needs.

    Footnote superscripts and a trailing ``/`` ("Geodakyan/ Sputnik" in photo
    credits) come off as affixes, and a lower-to-upper case change after two
    lowercase letters is a token boundary ("HomeWorldPutin", a breadcrumb glued
    to a title; "McDonald" and "iPhone" stay whole). Extra splits never break
    the alignment of a span; they only make more spans alignable.
    """
    import spacy
    from spacy.lang.char_classes import ALPHA_LOWER, ALPHA_UPPER
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp = spacy.blank("en")
    d = nlp.Defaults
    nlp.tokenizer.prefix_search = compile_prefix_regex([*d.prefixes, f"[{SUPERSCRIPTS}]+"]).search
    nlp.tokenizer.suffix_search = compile_suffix_regex([*d.suffixes, "/", f"[{SUPERSCRIPTS}]+"]).search
    nlp.tokenizer.infix_finditer = compile_infix_regex(
        [*d.infixes, rf"(?<=[{ALPHA_LOWER}]{{2}})(?=[{ALPHA_UPPER}])"]
    ).finditer
    nlp.add_pipe("sentencizer")
    return nlp


def tokenize(text: str) -> Doc:
    return _nlp()(text)


def _where(doc_id: str, span: Span) -> str:
    return f"{doc_id}: entity {span.id} {span.text!r} [{span.start}, {span.end})"


def _token_tags(doc_id: str, doc: Doc, spans: Iterable[Span]) -> list[str]:
    tags = ["O"] * len(doc)
    owner: list[str | None] = [None] * len(doc)
    for span in spans:
        cs = doc.char_span(span.start, span.end, alignment_mode="strict")
        if cs is None:
            near = doc.char_span(span.start, span.end, alignment_mode="expand")
            tokens = [t.text for t in near] if near is not None else []
            raise AlignmentError(
                f"{_where(doc_id, span)} does not start and end on spaCy token boundaries; "
                f"the tokens there are {tokens!r}. Move the span onto token boundaries "
                f"or split the tokens in corpus_pkg/tokens.py."
            )
        if cs[0].is_space or cs[-1].is_space:
            raise AlignmentError(f"{_where(doc_id, span)} starts or ends with a whitespace token")
        for i in range(cs.start, cs.end):
            if owner[i] is not None:
                raise AlignmentError(f"{_where(doc_id, span)} overlaps entity {owner[i]}; IOB2 cannot encode overlaps")
            owner[i] = span.id
            tags[i] = ("B-" if i == cs.start else "I-") + span.label
    return tags


def sentences(doc_id: str, text: str, entities: Iterable[Span]) -> list[Sentence]:
    """The ``ner`` rows of one document: sentences with tokens, offsets and IOB2 tags."""
    doc = tokenize(text)
    tags = _token_tags(doc_id, doc, sorted(entities, key=lambda s: (s.start, s.end, s.id)))
    # Sentence starts: the sentencizer's, plus every token after a line break
    # (titles, captions and bylines end without punctuation).
    starts = {0}
    for tok in doc:
        if tok.is_sent_start:
            starts.add(tok.i)
        if tok.is_space and "\n" in tok.text:
            starts.add(tok.i + 1)
    # Never cut through an entity: a start inside an entity is withdrawn.
    starts = {i for i in starts if i >= len(doc) or not tags[i].startswith("I-")}

    out: list[Sentence] = []
    bounds = [*sorted(i for i in starts if i < len(doc)), len(doc)]
    for a, b in pairwise(bounds):
        keep = [i for i in range(a, b) if not doc[i].is_space]
        if not keep:
            continue
        out.append(
            Sentence(
                start=doc[keep[0]].idx,
                end=doc[keep[-1]].idx + len(doc[keep[-1]]),
                tokens=[doc[i].text for i in keep],
                token_starts=[doc[i].idx for i in keep],
                token_ends=[doc[i].idx + len(doc[i]) for i in keep],
                tags=[tags[i] for i in keep],
            )
        )
    return out


@dataclass(frozen=True)
class SentenceColumns:
    """The ``ner`` rows of one document as columns: what :func:`sentences` gives, without a Python object per token.

    ``bounds`` has one entry per row and one more: row ``r`` holds the tokens ``bounds[r]:bounds[r + 1]``
    of ``tokens``, ``starts``, ``ends`` and ``tags`` (tag ids in :func:`tag_names` order).
    """

    tokens: list[str]
    starts: Any  # numpy int32
    ends: Any  # numpy int32
    tags: Any  # numpy int64
    bounds: Any  # numpy int64


def sentence_columns(doc_id: str, text: str, entities: Sequence[Span], tag_ids: dict[str, int]) -> SentenceColumns:
    """:func:`sentences` as columns, with tags as ids: the same rows, tokens and tags (tested against it).

    Only the tokenizer runs; the sentencizer's rule (a sentence starts at the first token that is neither
    punctuation nor one of its ``punct_chars`` after one of its ``punct_chars``) and the rest of
    :func:`sentences` are applied to the token arrays. Anything out of the ordinary (an entity that does
    not align, an overlap, a whitespace end) goes through :func:`sentences`, which words the error.
    """
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    nlp = _nlp()
    doc = nlp.tokenizer(text)
    n = len(doc)
    if n == 0:
        return _columns_of(sentences(doc_id, text, entities), tag_ids)
    arr = doc.to_array([IDX, LENGTH, IS_SPACE, IS_PUNCT]).astype(np.int64)
    idx, length = arr[:, 0], arr[:, 1]
    space, punct = arr[:, 2].astype(bool), arr[:, 3].astype(bool)
    ends = idx + length
    toks = [text[a:b] for a, b in zip(idx.tolist(), ends.tolist(), strict=True)]

    tags = np.zeros(n, dtype=np.int64)
    inside = np.zeros(n, dtype=bool)
    if entities:
        ents = sorted(entities, key=lambda s: (s.start, s.end, s.id))
        b_tags = [tag_ids.get(f"B-{s.label}", -1) for s in ents]
        e_start = np.fromiter((s.start for s in ents), dtype=np.int64, count=len(ents))
        e_end = np.fromiter((s.end for s in ents), dtype=np.int64, count=len(ents))
        a = np.searchsorted(idx, e_start)
        b = np.searchsorted(ends, e_end) + 1
        ok = (a < n) & (b <= n) & (b > a) & (min(b_tags) >= 0)
        if ok.all():
            ok = (idx[a] == e_start) & (ends[b - 1] == e_end) & ~space[a] & ~space[b - 1]
            ok = ok.all() and bool((b[:-1] <= a[1:]).all())  # sorted by start: no token shared
        if not ok:
            return _columns_of(sentences(doc_id, text, entities), tag_ids)  # raises, worded
        first = np.asarray(b_tags, dtype=np.int64)
        tags[a] = first
        # Tokens after an entity's first: its I- tag (B- + 1), found by the entity each token falls in.
        owner = np.searchsorted(a, np.arange(n), side="right") - 1
        held = owner >= 0
        held[held] &= np.arange(n)[held] < b[owner[held]]
        inside = held.copy()
        inside[a] = False
        tags[inside] = first[owner[inside]] + 1

    punct_chars = nlp.get_pipe("sentencizer").punct_chars
    is_pc = np.fromiter((t in punct_chars for t in toks), dtype=bool, count=n)
    word = np.flatnonzero(~punct & ~is_pc)
    start = np.zeros(n + 1, dtype=bool)
    start[0] = True
    after = np.searchsorted(word, np.flatnonzero(is_pc), side="right")
    start[word[after[after < len(word)]]] = True
    newline = [i + 1 for i in np.flatnonzero(space).tolist() if "\n" in toks[i]]
    start[newline] = True
    start = start[:n] & ~inside
    keep = ~space
    sentence = (np.cumsum(start) - 1)[keep]
    kept = np.flatnonzero(keep)
    change = np.flatnonzero(np.diff(sentence)) + 1
    bounds = np.concatenate(([0], change, [len(kept)])) if len(kept) else np.zeros(1, dtype=np.int64)
    return SentenceColumns(
        tokens=[toks[i] for i in kept.tolist()],
        starts=idx[kept].astype(np.int32),
        ends=ends[kept].astype(np.int32),
        tags=tags[kept],
        bounds=bounds.astype(np.int64),
    )


def _columns_of(rows: list[Sentence], tag_ids: dict[str, int]) -> SentenceColumns:
    import numpy as np

    lengths = [len(s.tokens) for s in rows]
    unknown = sorted({t for s in rows for t in s.tags} - set(tag_ids))
    if unknown:
        raise ValueError(f"tags {unknown} are not in the tag set; declare their types in schema/labels.json")
    return SentenceColumns(
        tokens=[t for s in rows for t in s.tokens],
        starts=np.array([x for s in rows for x in s.token_starts], dtype=np.int32),
        ends=np.array([x for s in rows for x in s.token_ends], dtype=np.int32),
        tags=np.array([tag_ids[t] for s in rows for t in s.tags], dtype=np.int64),
        bounds=np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))),
    )


def check_iob2(tags: Sequence[str]) -> None:
    """Raise :class:`IOB2Error` unless ``tags`` is well-formed IOB2 (no repair, unlike lenient scorers)."""
    prev = "O"
    for i, tag in enumerate(tags):
        if tag != "O" and (len(tag) < 3 or tag[:2] not in ("B-", "I-")):
            raise IOB2Error(f"tag {i} {tag!r} is not O, B-TYPE or I-TYPE")
        if tag.startswith("I-") and (prev == "O" or prev[2:] != tag[2:]):
            raise IOB2Error(f"tag {i} {tag!r} follows {prev!r}; an I- tag must continue a B- or I- of its type")
        prev = tag


def tags_to_spans(
    token_starts: Sequence[int], token_ends: Sequence[int], tags: Sequence[str]
) -> list[tuple[int, int, str]]:
    """Character spans ``(start, end, type)`` from token offsets and IOB2 tags."""
    if not len(token_starts) == len(token_ends) == len(tags):
        raise ValueError(f"lengths differ: {len(token_starts)} starts, {len(token_ends)} ends, {len(tags)} tags")
    check_iob2(tags)
    out: list[tuple[int, int, str]] = []
    for s, e, tag in zip(token_starts, token_ends, tags, strict=True):
        if tag.startswith("B-"):
            out.append((s, e, tag[2:]))
        elif tag.startswith("I-"):
            out[-1] = (out[-1][0], e, out[-1][2])
    return out
