"""Re-anchoring a span on a changed text through its TextQuoteSelector (exact + prefix + suffix).

A span is moved only when exactly one occurrence of its exact text in the
current text is the best by context, and that context match is not empty;
otherwise the candidates are returned for the finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus_pkg.offsets import find_all


@dataclass(frozen=True)
class Anchoring:
    start: int | None  # None when not unique
    candidates: list[tuple[int, int]]  # (start, score) of every occurrence, best first


def _common_suffix_len(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def reanchor(text: str, exact: str, prefix: str, suffix: str) -> Anchoring:
    """Where ``exact`` sits in ``text`` given the context it had."""
    scored = []
    for start in find_all(text, exact):
        before = text[max(0, start - len(prefix)) : start]
        after = text[start + len(exact) : start + len(exact) + len(suffix)]
        scored.append((start, _common_suffix_len(before, prefix) + _common_prefix_len(after, suffix)))
    scored.sort(key=lambda t: (-t[1], t[0]))
    if not scored:
        return Anchoring(None, [])
    if len(scored) == 1:
        return Anchoring(scored[0][0], scored)
    best, runner_up = scored[0][1], scored[1][1]
    if best > runner_up and best > 0:
        return Anchoring(scored[0][0], scored)
    return Anchoring(None, scored)
