"""Validation findings: what is wrong, where, under which rule, with the text around it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CONTEXT_WIDTH = 40
MAX_MESSAGE = 240

# Every rule the validator applies, with a one-line meaning (shown by `corpus validate --rules`).
RULES: dict[str, str] = {
    "io": "The file cannot be read (missing, not UTF-8, BOM).",
    "json": "A line is not one valid JSON value (CRLF, truncated, NaN, lone surrogates).",
    "schema": "A record does not match its JSON Schema.",
    "unknown-label": "A label or attribute value is not in the label declaration.",
    "sha256": "A document's sha256 does not match its text.",
    "duplicate-document": "Two documents share a doc_id.",
    "duplicate-id": "Two spans or relations share an id.",
    "unknown-document": "A span or relation names a document that does not exist.",
    "offset-range": "Offsets are not 0 <= start < end <= len(text).",
    "text-mismatch": "text[start:end] differs from the span's text.",
    "stale-text": "The record was made against another text of its document.",
    "whitespace-edge": "A span starts or ends with whitespace.",
    "grapheme-split": "A span boundary splits a user-perceived character (warning).",
    "context-mismatch": "The stored prefix/suffix differ from the text around the span.",
    "overlap": "Two entities, two dates or two claims overlap, or two quotes cross.",
    "timex-value": "A TIMEX3 value is not well-formed for its type.",
    "dangling-relation": "A relation end is not an existing span.",
    "relation-document": "A relation's ends lie in another document than the relation.",
    "relation-layer": "A relation end belongs to the wrong layer.",
    "attribution": "A quote's speakers or a claim's claimants disagree with its attributes, or a belief or nominal"
    " quote has no speaker.",
    "duplicate-span": "A batch span duplicates an existing span exactly.",
    "moved": "A span was re-anchored onto the current text through its context (warning).",
    "id-format": "A corpus id is not <doc_id>-<layer letter><number> (relations: -r<number>).",
    "label-studio": "A Label Studio task, region or relation cannot be read as records.",
    "edit-target": "A batch edit names no corpus record, names one twice, or its value changes id, type or layer.",
    "stale-edit": "A batch edit's expected content hash is not that of the corpus record now (nothing merged).",
    "edit-applied": "A batch edit is already applied: the update's value is there, the record is gone (warning).",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    file: str
    line: int | None = None
    field: str | None = None  # JSON pointer into the record, e.g. "/start"
    record_id: str | None = None
    context: str | None = None
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
        if self.field:
            loc += f" {self.field}"
        return loc

    def render(self) -> str:
        head = f"{self.location()}: {self.severity} [{self.rule}]"
        if self.record_id:
            head += f" {self.record_id}"
        out = f"{head}: {self.message}"
        if self.context:
            out += f"\n    {self.context}"
        return out


def short(s: str, limit: int = MAX_MESSAGE) -> str:
    """``s`` cut to ``limit`` characters, marked with an ellipsis where cut."""
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _visible(s: str) -> str:
    return s.replace("\r", "␍").replace("\n", "⏎").replace("\t", "⇥")


def mark(text: str, start: int, end: int, width: int = CONTEXT_WIDTH) -> str:
    """The text around ``[start, end)`` with the span between ⟦ and ⟧ (clamped to the text)."""
    n = len(text)
    s = min(max(start, 0), n)
    e = min(max(end, s), n)
    left = text[max(0, s - width) : s]
    right = text[e : e + width]
    inner = text[s:e]
    if len(inner) > 160:
        inner = inner[:75] + " … " + inner[-75:]
    return (
        ("…" if s > width else "")
        + _visible(left)
        + "⟦"
        + _visible(inner)
        + "⟧"
        + _visible(right)
        + ("…" if e + width < n else "")
    )
