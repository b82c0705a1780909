"""How good the pre-annotations are: each predictor scored against the gold, per layer.

The gazetteer runs leave-one-document-out (its names come from the other four documents), HeidelTime
with each document's DCT. Scores come from the package's agreement code (nervaluate): strict F1 (same
extent and label: entity type, TIMEX3 type), exact F1 (same extent, any label), overlap F1
(nervaluate's partial: overlapping extents count half), and on exact matches the share of equal
attributes (entity cluster; TIMEX3 value, i.e. value accuracy on matched dates). Entities are scored
against all gold entities and against the gold names (kind NAM) alone: the gazetteer only predicts names.

    python benchmarks/predict.py [--annotations DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus_pkg.agreement import compare
from corpus_pkg.model import AnnotatedDocument
from corpus_pkg.predict import predict_corpus
from corpus_pkg.validate import load_valid_corpus


def only(docs: list[AnnotatedDocument], keep) -> list[AnnotatedDocument]:
    return [AnnotatedDocument(d.document, [s for s in d.spans if keep(s)]) for d in docs]


def row(name: str, gold: list[AnnotatedDocument], pred: list[AnnotatedDocument], layer: str, attr: str) -> str:
    la = compare(gold, pred)[layer]
    equal, n = la.attributes.get(attr, (0, 0))
    share = f"{equal}/{n} = {equal / n:.3f}" if n else "-"
    return (
        f"| {name} | {la.n_a} | {la.n_b} | {la.strict_f1:.3f} | {la.exact_f1:.3f} | {la.partial_f1:.3f} "
        f"| {attr} {share} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--annotations", type=Path, default=None)
    args = ap.parse_args()
    gold = load_valid_corpus(args.annotations)

    t0 = time.perf_counter()
    names = predict_corpus(gold, ["entity"], leave_one_out=True)
    t_names = time.perf_counter() - t0
    t0 = time.perf_counter()
    dates = predict_corpus(gold, ["date"])
    t_dates = time.perf_counter() - t0
    pred_names = [AnnotatedDocument(p.document, p.spans) for p in names]
    pred_dates = [AnnotatedDocument(p.document, p.spans) for p in dates]

    print(f"{len(gold)} documents; gazetteer (leave-one-document-out) {t_names:.1f} s, HeidelTime {t_dates:.1f} s")
    print()
    print("| predictor and gold | gold spans | predicted | strict F1 | exact F1 | overlap F1 | on exact matches |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print(row("gazetteer vs all gold entities", gold, pred_names, "entity", "cluster"))
    named = only(gold, lambda s: s.layer != "entity" or s.attributes.get("kind") == "NAM")
    print(row("gazetteer vs gold names (NAM)", named, pred_names, "entity", "cluster"))
    print(row("HeidelTime vs gold dates", gold, pred_dates, "date", "value"))
    dropped: Counter[str] = Counter()
    for p in names + dates:
        dropped.update(p.dropped)
    print()
    for why, n in sorted(dropped.items()):
        print(f"dropped {n}: {why}")


if __name__ == "__main__":
    main()
