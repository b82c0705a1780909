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

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pyarrow as pa
    from spacy.language import Language
    from spacy.tokens import Doc

    from corpus_pkg.model import Span


class AlignmentError(ValueError):
    """An entity that cannot be expressed in tokens."""


class IOB2Error(ValueError):
    """A tag sequence that is not well-formed IOB2."""


class Entity(NamedTuple):
    """What the token view needs of an entity span (a ``model.Span`` has the same fields)."""

    id: str
    start: int
    end: int
    text: str
    label: str


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


def _where(doc_id: str, span: Span | Entity) -> str:
    return f"{doc_id}: entity {span.id} {span.text!r} [{span.start}, {span.end})"


def _token_tags(doc_id: str, doc: Doc, spans: Iterable[Span | Entity]) -> list[str]:
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


def sentences(doc_id: str, text: str, entities: Iterable[Span | Entity]) -> list[Sentence]:
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
    """The ``ner`` rows of documents as columns: what :func:`sentences` gives, without a Python object per token.

    ``bounds`` has one entry per row and one more: row ``r`` holds the tokens ``bounds[r]:bounds[r + 1]``
    of ``tokens``, ``starts``, ``ends`` (offsets into its own document's text) and ``tags`` (tag ids in
    :func:`tag_names` order). ``rows_of`` has one entry per document and one more: document ``i`` has the
    rows ``rows_of[i]:rows_of[i + 1]``.
    """

    tokens: pa.StringArray
    starts: Any  # numpy int32
    ends: Any  # numpy int32
    tags: Any  # numpy int64
    bounds: Any  # numpy int64
    rows_of: Any  # numpy int64


def sentence_columns(
    doc_id: str, text: str, entities: Sequence[Span | Entity], tag_ids: dict[str, int]
) -> SentenceColumns:
    """:func:`sentences` of one document as columns, with tags as ids (see :func:`sentence_columns_of`)."""
    return sentence_columns_of([(doc_id, text, entities)], tag_ids)


def sentence_columns_of(
    docs: Sequence[tuple[str, str, Sequence[Span | Entity]]], tag_ids: dict[str, int]
) -> SentenceColumns:
    """:func:`sentences` of each (doc_id, text, entities) as columns: the same rows, tokens and tags (tested)."""
    import numpy as np

    b_tag = {label: tag_ids.get(f"B-{label}", -1) for label in {s.label for _, _, ents in docs for s in ents}}
    ents = [(i, s.start, s.end, b_tag[s.label]) for i, (_, _, entities) in enumerate(docs) for s in entities]
    e_doc, e_start, e_end, b_tags = (
        np.array(c, dtype=np.int64) for c in (zip(*ents, strict=True) if ents else ([], [], [], []))
    )
    return columns_of_texts(
        [text for _, text, _ in docs], e_doc, e_start, e_end, b_tags, lambda: _columns_by_rows(docs, tag_ids)
    )


class TokenArrays(NamedTuple):
    """The tokens of texts taken together (see :func:`token_arrays`); offsets are code points into ``text``."""

    text: str  # the texts joined
    data: bytes  # ``text`` in UTF-8
    cont: Any  # see :func:`_continuations`
    counts: Any  # tokens per text
    base: Any  # where each text starts in ``text``, and its length at the end
    owner_doc: Any  # each token's text
    local: Any  # each token's start in its own text
    idx: Any  # each token's start in ``text``
    ends: Any
    length: Any
    first: Any  # the code point of each token's first character
    start_bytes: Any  # each token's start in ``data``
    space: Any  # spaCy's IS_SPACE
    punct: Any  # spaCy's IS_PUNCT

    @property
    def n(self) -> int:
        return len(self.idx)

    def byte_of(self, points: Any) -> Any:
        """UTF-8 byte offsets in ``data`` of code point offsets in ``text``."""
        import numpy as np

        return points + np.searchsorted(self.cont, points, side="right") if len(self.cont) else points


def token_arrays(texts: Sequence[str]) -> TokenArrays:
    """The tokenizer's tokens of every text, as numpy arrays over all of them.

    Of each Doc only the token starts and trailing-space flags are taken (each attribute ``Doc.to_array``
    gathers costs about a fifth of the tokenizer's own time). The rest follows from the text: a token
    ends where the next one starts, less its trailing space (a Doc's tokens with their whitespace are
    its text), and spaCy's lexeme flags are functions of the token's text, ``is_space`` its
    ``str.isspace()`` (the tokenizer never mixes whitespace and other characters in a token, so the
    first character decides) and ``is_punct`` every character in a Unicode ``P*`` category. A test holds
    all of it to ``Doc.to_array`` of those attributes.
    """
    import numpy as np
    from spacy.attrs import IDX, SPACY

    tokenizer = _nlp().tokenizer
    # Each Doc is dropped as soon as its arrays are taken: a run's Docs together would hold tens of MB.
    arrays = [tokenizer(text).to_array([IDX, SPACY]).reshape(-1, 2) for text in texts]
    counts = np.fromiter(map(len, arrays), dtype=np.int64, count=len(texts))
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=base[1:])
    arr = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros((0, 2), dtype=np.int64)
    n = len(arr)
    owner_doc = np.repeat(np.arange(len(texts)), counts)
    local = arr[:, 0]
    idx = local + base[:-1][owner_doc]
    follows = np.empty(n, dtype=np.int64)  # where the next token of the same text starts, or the text ends
    follows[:-1] = idx[1:]
    has = counts > 0
    follows[np.cumsum(counts)[has] - 1] = base[1:][has]
    ends = follows - arr[:, 1]
    alltext = "".join(texts)
    data = alltext.encode("utf-8")
    cont = _continuations(data)
    start_bytes = idx + np.searchsorted(cont, idx, side="right") if len(cont) else idx
    first = np.frombuffer(data, dtype=np.uint8)[start_bytes].astype(np.uint32) if n else np.zeros(0, np.uint32)
    ascii_space, ascii_p = _ascii_flags()
    space, first_p = ascii_space[first & 0x7F], ascii_p[first & 0x7F]
    wide = np.flatnonzero(first >= 0x80)  # a lead byte: the few non-ASCII first characters, one by one
    if len(wide):
        chars = [alltext[i] for i in idx[wide].tolist()]
        first[wide] = [ord(c) for c in chars]
        space[wide] = [c.isspace() for c in chars]
        first_p[wide] = [unicodedata.category(c)[0] == "P" for c in chars]
    length = ends - idx
    punct = first_p & (length == 1)
    longer = np.flatnonzero(first_p & (length > 1))  # "...", "'s": the rest of their characters decide
    if len(longer):
        punct[longer] = [_all_p(alltext[a:b]) for a, b in zip(idx[longer].tolist(), ends[longer].tolist(), strict=True)]
    return TokenArrays(
        alltext, data, cont, counts, base, owner_doc, local, idx, ends, length, first, start_bytes, space, punct
    )


def _all_p(text: str) -> bool:
    return all(unicodedata.category(c)[0] == "P" for c in text)


def _continuations(data: bytes) -> Any:
    """What maps code point offsets to UTF-8 byte offsets with one searchsorted (``TokenArrays.byte_of``).

    Code point i starts at byte i + the number of continuation bytes before it. Continuation byte k
    (0-based) at byte c comes before every code point from c - k on, so these are the c - k.
    """
    import numpy as np

    cont = np.flatnonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) == 0x80)
    cont -= np.arange(len(cont))
    return cont


def columns_of_texts(
    texts: Sequence[str], e_doc: Any, e_start: Any, e_end: Any, b_tags: Any, by_rows: Callable[[], SentenceColumns]
) -> SentenceColumns:
    """:func:`sentence_columns_of` given the texts and their entities as columns, in any order: the
    document index, start and end (code points into that document's text) and ``B-`` tag id (-1: none)
    of each entity. ``by_rows()`` makes the same columns the slow way, from :func:`sentences`.

    Only the tokenizer runs per document. The tokens of all the documents are put in one set of arrays
    (offsets made global by adding each text's place in their concatenation), so the sentencizer's rule
    (a sentence starts at the first token that is neither punctuation nor one of its ``punct_chars``
    after one of its ``punct_chars``, within a document), the line-break starts, the tags and the
    dropping of whitespace tokens cost a few numpy operations for all of them. Anything out of the
    ordinary (an entity that does not align, an overlap, a whitespace end, a tag not in the set) is left
    to ``by_rows``, where :func:`sentences` words the error.
    """
    import numpy as np

    tok = token_arrays(texts)
    n, idx, ends, length, space, punct = tok.n, tok.idx, tok.ends, tok.length, tok.space, tok.punct
    counts, base, owner_doc, local, alltext = tok.counts, tok.base, tok.owner_doc, tok.local, tok.text

    tags = np.zeros(n, dtype=np.int64)
    inside = np.zeros(n, dtype=bool)
    if len(e_doc):
        # In text order (a tie in start and end shares tokens, which the checks below refuse).
        order = np.lexsort((e_end, e_start + base[e_doc]))
        e_doc, b_tags = e_doc[order], b_tags[order]
        e_start, e_end = e_start[order] + base[e_doc], e_end[order] + base[e_doc]
        a = np.searchsorted(idx, e_start)
        b = np.searchsorted(ends, e_end) + 1
        ok = bool(((a < n) & (b <= n) & (b > a) & (b_tags >= 0)).all())
        if ok:
            ok = bool(
                (
                    (idx[a] == e_start)
                    & (ends[b - 1] == e_end)
                    & ~space[a]
                    & ~space[b - 1]
                    & (owner_doc[a] == e_doc)
                    & (owner_doc[b - 1] == e_doc)
                ).all()
            )
            ok = ok and bool((b[:-1] <= a[1:]).all())  # sorted by start: no token shared
        if not ok:
            return by_rows()  # raises, worded
        tags[a] = b_tags
        # The tokens after an entity's first, up to its last, get its I- tag (B- + 1): the ranges
        # a + 1 .. b - 1 laid end to end (the entities share no token), without a pass over every token.
        more = b - a - 1
        rest = np.arange(int(more.sum())) + np.repeat(a + 1 - (np.cumsum(more) - more), more)
        inside[rest] = True
        tags[rest] = np.repeat(b_tags + 1, more)

    start = np.zeros(n + 1, dtype=bool)
    start[(np.cumsum(counts) - counts)[counts > 0]] = True  # each document's first token
    # The sentencizer's punct_chars are single characters: compared as code points, not token by token.
    is_pc = np.zeros(n, dtype=bool)
    one = np.flatnonzero(length == 1)
    is_pc[one] = np.isin(tok.first[one], _punct_points())
    word = np.flatnonzero(~punct & ~is_pc)
    marks = np.flatnonzero(is_pc)
    after = np.searchsorted(word, marks, side="right")
    found = after < len(word)
    nxt = word[after[found]]
    start[nxt[owner_doc[nxt] == owner_doc[marks[found]]]] = True
    newline = [i + 1 for i in np.flatnonzero(space).tolist() if "\n" in alltext[idx[i] : ends[i]]]
    start[newline] = True
    start = start[:n] & ~inside
    kept = np.flatnonzero(~space)
    sentence = (np.cumsum(start) - 1)[kept]
    change = np.flatnonzero(np.diff(sentence)) + 1
    bounds = np.concatenate(([0], change, [len(kept)])) if len(kept) else np.zeros(1, dtype=np.int64)
    rows_of = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner_doc[kept[bounds[:-1]]], minlength=len(texts)), out=rows_of[1:])
    return SentenceColumns(
        tokens=_substrings(tok.data, tok.start_bytes[kept], tok.byte_of(ends[kept])),
        starts=local[kept].astype(np.int32),
        ends=(local + length)[kept].astype(np.int32),
        tags=tags[kept],
        bounds=bounds.astype(np.int64),
        rows_of=rows_of,
    )


def _columns_by_rows(
    docs: Sequence[tuple[str, str, Sequence[Span | Entity]]], tag_ids: dict[str, int]
) -> SentenceColumns:
    """:func:`sentence_columns_of` made from :func:`sentences`, document by document (which raises, worded)."""
    import numpy as np
    import pyarrow as pa

    rows = [sentences(doc_id, text, entities) for doc_id, text, entities in docs]
    flat = [s for r in rows for s in r]
    unknown = sorted({t for s in flat for t in s.tags} - set(tag_ids))
    if unknown:
        raise ValueError(f"tags {unknown} are not in the tag set; declare their types in schema/labels.json")
    return SentenceColumns(
        tokens=pa.array([t for s in flat for t in s.tokens], pa.string()),
        starts=np.array([x for s in flat for x in s.token_starts], dtype=np.int32),
        ends=np.array([x for s in flat for x in s.token_ends], dtype=np.int32),
        tags=np.array([tag_ids[t] for s in flat for t in s.tags], dtype=np.int64),
        bounds=np.concatenate(([0], np.cumsum([len(s.tokens) for s in flat], dtype=np.int64))),
        rows_of=np.concatenate(([0], np.cumsum([len(r) for r in rows], dtype=np.int64))),
    )


def _substrings(data: bytes, starts: Any, ends: Any) -> pa.StringArray:
    """An Arrow array of the substrings [starts, ends) (byte offsets; in text order, not empty, not
    overlapping) of the UTF-8 ``data``, gathered with numpy: no Python string per token."""
    import numpy as np
    import pyarrow as pa

    offsets = np.zeros(len(starts) + 1, dtype=np.int32)
    np.cumsum(ends - starts, out=offsets[1:])
    # The substrings are in text order and do not overlap, so their bytes are those inside one of them:
    # +1 where one starts, -1 where one ends, and a running sum that is 1 inside.
    edges = np.zeros(len(data) + 1, dtype=np.int8)
    edges[starts] += 1
    edges[ends] -= 1
    inside = np.cumsum(edges[:-1], dtype=np.int8).view(bool)
    picked = np.frombuffer(data, dtype=np.uint8)[inside]
    return pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(picked))


@cache
def _ascii_flags() -> tuple[Any, Any]:
    """``str.isspace`` and "in a Unicode P* category" of each ASCII character, as numpy tables."""
    import numpy as np

    chars = [chr(c) for c in range(128)]
    return np.array([c.isspace() for c in chars]), np.array([unicodedata.category(c)[0] == "P" for c in chars])


@cache
def _punct_points() -> Any:
    import numpy as np

    return np.array(sorted(ord(c) for c in _nlp().get_pipe("sentencizer").punct_chars), dtype=np.uint32)


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
