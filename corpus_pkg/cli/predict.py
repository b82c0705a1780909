"""``corpus predict`` and ``corpus audit``: pre-annotation as a batch of predictions, and review of the gold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from corpus_pkg.cli.app import UsageError, acting_on, annotations_option, format_option, main


def _layers(value: str) -> list[str]:
    from corpus_pkg.predict import PREDICT_LAYERS

    layers = [x.strip() for x in value.split(",") if x.strip()]
    unknown = [x for x in layers if x not in PREDICT_LAYERS]
    if unknown or not layers:
        raise UsageError(f"--layers takes a comma-separated list of {', '.join(PREDICT_LAYERS)}; got {value!r}")
    return layers


def _pick(docs: list, doc_ids: tuple[str, ...]) -> list:
    if not doc_ids:
        return docs
    known = {d.doc_id for d in docs}
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise UsageError(f"not in the corpus: {', '.join(unknown)}")
    return [d for d in docs if d.doc_id in set(doc_ids)]


layers_option = click.option(
    "--layers",
    default="entity,date",
    show_default=True,
    help="Layers to predict, comma-separated: entity (gazetteer from the gold, optionally spaCy), date (HeidelTime).",
)
spacy_option = click.option(
    "--spacy-model",
    default=None,
    metavar="NAME",
    help="Also run this installed spaCy pipeline (OntoNotes labels) for entities, after the gazetteer.",
)


@main.command()
@click.argument("doc_ids", nargs=-1)
@layers_option
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The batch to write (JSONL)."
)
@spacy_option
@annotations_option
def predict(
    doc_ids: tuple[str, ...], layers: str, out: Path, spacy_model: str | None, annotations: Path | None
) -> None:
    """Write a batch of predicted spans (status prediction) for DOC_IDs (default: every document).

    Entities come from the gold's own names (every name with its type, cluster and Wikidata id),
    dates from HeidelTime against each document's DCT. Predictions that repeat or overlap a gold
    span of their layer are left out, so the batch passes `corpus validate` and adds only what the
    gold lacks. Nothing is merged: a person accepts predictions with `corpus merge`.
    """
    from corpus_pkg.jsonio import dumps_lines, write_atomic
    from corpus_pkg.predict import batch_records, predict_corpus, without_gold
    from corpus_pkg.validate import load_valid_corpus

    wanted = _layers(layers)
    project = acting_on(annotations)
    corpus = load_valid_corpus(project.annotations)
    docs = _pick(corpus, doc_ids)
    preds = predict_corpus(docs, wanted, knowledge=corpus, spacy_model=spacy_model)
    by_id = {d.doc_id: d for d in corpus}
    kept = {}
    for p in preds:
        spans, covered = without_gold(p, by_id.get(p.document.doc_id))
        kept[p.document.doc_id] = spans
        counts = Counter(s.layer for s in spans)
        parts = [f"{counts[layer]} {layer}" for layer in wanted]
        if covered:
            parts.append(f"{covered} left out (the gold has a span there)")
        parts += [f"{n} dropped: {why}" for why, n in sorted(p.dropped.items())]
        click.echo(f"{p.document.doc_id}: {'; '.join(parts)}")
    write_atomic(out, dumps_lines(batch_records(preds, kept)))
    total = sum(len(v) for v in kept.values())
    click.echo(f"wrote {out}: {total} predicted span(s) for {len(preds)} document(s) of {project.annotations}")


@main.command()
@click.option(
    "--predictions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A batch of predictions to compare with (default: run the predictors, the gazetteer leave-one-document-out).",
)
@layers_option
@spacy_option
@format_option("text", "json")
@annotations_option
def audit(predictions: Path | None, layers: str, spacy_model: str | None, fmt: str, annotations: Path | None) -> None:
    """List per document what a reviewer of the gold should look at: possible misses, disagreements, unsupported gold.

    Only reads: the gold is never changed.
    """
    from corpus_pkg.audit import CLASSES, audit, read_predictions, render_text
    from corpus_pkg.predict import predict_corpus
    from corpus_pkg.validate import load_valid_corpus

    wanted = _layers(layers)
    project = acting_on(annotations)
    gold = load_valid_corpus(project.annotations)
    if predictions is not None:
        predicted = read_predictions(predictions, gold)
        source = str(predictions)
    else:
        preds = predict_corpus(gold, wanted, leave_one_out=True, spacy_model=spacy_model)
        predicted = {p.document.doc_id: p.spans for p in preds}
        source = "the predictors (gazetteer leave-one-document-out)"
    result = audit(gold, predicted, wanted)
    totals = Counter(c.kind for cands in result.values() for c in cands)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "corpus": str(project.annotations),
                    "predictions": source,
                    "layers": wanted,
                    "counts": {k: totals[k] for k in CLASSES},
                    "documents": {d: [c.to_dict() for c in cands] for d, cands in result.items()},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(render_text(result), nl=False)
    click.echo(
        f"audited {len(result)} document(s) of {project.annotations} against {source}: "
        + ", ".join(f"{totals[k]} {k}" for k in CLASSES)
    )
