"""Pure conversion between our documents and Label Studio tasks and annotation results.

A span is one region (``type: labels``) whose ``id`` is the span id; each of
its attributes is a per-region result sharing that id; a relation is a
``type: relation`` result from the head span to the tail span. No I/O here.
"""

from __future__ import annotations

import hashlib
import json
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from corpus_pkg import ids
from corpus_pkg.labels import label_sets
from corpus_pkg.labelstudio.config import LABELS, TEXT, attribute_controls, from_choice, span_labels, to_choice
from corpus_pkg.model import (
    AnnotatedDocument,
    Document,
    Provenance,
    Relation,
    Span,
    content_hash,
    make_span,
    same_span,
)

TOOL = "label-studio"
# The status of what an annotator submitted, until a maintainer accepts it.
SUBMITTED = "submitted"

# What a round trip through Label Studio does not keep. With the document as
# last synced given as ``base``, unchanged records come back exactly; these are
# the differences for records made or edited in Label Studio (or without a base).
RESTRICTIONS: dict[str, str] = {
    "provenance": "Label Studio records one author per annotation, not per region: a span or relation not "
    "identical to one in the base gets the annotation's author (email), tool 'label-studio', the "
    "server's version, status submitted (annotation) or prediction (prediction) and the prediction score.",
    "relation-id": "Label Studio relations have no id: a relation not in the base gets the next free <doc_id>-rNNN.",
    "region-id": "A region id that is not one of this document's span ids of that layer (the editor makes random "
    "ones) becomes the next free <doc_id>-<letter>NNN; relations follow the new id.",
    "qid-null": "An entity qid of null is not sent and reads back as absent.",
}


class ConvertError(ValueError):
    """Label Studio data that cannot become records; each problem names document, region and text."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# -- the shape of Label Studio JSON --------------------------------------------------------------------------
#
# Exports and API answers may hold any JSON anywhere. Everything read from them is checked here first, so
# the readers below see only the shapes they expect; anything else is a problem naming where it is (a JSON
# pointer into the task) and a short repr of what was there.

MAX_SHAPE_PROBLEMS = 20

_repr = reprlib.Repr()
_repr.maxstring, _repr.maxother, _repr.maxlist, _repr.maxdict, _repr.maxlevel = 40, 40, 4, 4, 2


def short(value: Any) -> str:
    """A repr of ``value`` short enough for a message, whatever its size or depth."""
    return _repr.repr(value)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


# Field -> (check, what it should be); a field missing from the object counts as null.
_RELATION_FIELDS = {
    "from_id": (lambda v: isinstance(v, str) or _is_int(v), "a region id (string or integer)"),
    "to_id": (lambda v: isinstance(v, str) or _is_int(v), "a region id (string or integer)"),
    "direction": (_optional(lambda v: isinstance(v, str)), "a string"),
    "labels": (_optional(_is_str_list), "a list of strings"),
}
_REGION_FIELDS = {
    "id": (lambda v: isinstance(v, str) or _is_int(v), "a region id (string or integer)"),
    "from_name": (lambda v: isinstance(v, str), "a control name (string)"),
    "type": (_optional(lambda v: isinstance(v, str)), "a string"),
    "value": (_optional(lambda v: isinstance(v, dict)), "an object"),
}
_VALUE_FIELDS = {
    "start": (_optional(_is_int), "an integer offset"),
    "end": (_optional(_is_int), "an integer offset"),
    "text": (_optional(lambda v: isinstance(v, str) or _is_str_list(v)), "a string or a list of strings"),
    "labels": (_optional(_is_str_list), "a list of strings"),
    "choices": (_optional(_is_str_list), "a list of strings"),
}
_USER_FIELDS = {
    "id": (_optional(_is_int), "an integer"),
    "email": (_optional(lambda v: isinstance(v, str)), "a string"),
    "username": (_optional(lambda v: isinstance(v, str)), "a string"),
}
_ITEM_FIELDS = {
    "id": (_optional(_is_int), "an integer"),
    "result": (_optional(lambda v: isinstance(v, list)), "a list of regions"),
    "was_cancelled": (_optional(lambda v: isinstance(v, bool)), "true or false"),
    # The SDK's task objects turn a prediction's timestamp into a datetime; exports keep the string.
    "updated_at": (_optional(lambda v: isinstance(v, str | datetime)), "a timestamp string"),
    "completed_by": (
        _optional(lambda v: _is_int(v) or isinstance(v, str | dict)),
        "a user (an id, an email or an object)",
    ),
    "model_version": (_optional(lambda v: isinstance(v, str)), "a string"),
}
_TASK_FIELDS = {
    "id": (_optional(_is_int), "an integer"),
    "data": (lambda v: isinstance(v, dict), "an object"),
    "annotations": (_optional(lambda v: isinstance(v, list)), "a list"),
    "predictions": (_optional(lambda v: isinstance(v, list)), "a list"),
    "drafts": (_optional(lambda v: isinstance(v, list)), "a list"),
}


def _check_fields(obj: dict[str, Any], fields: dict[str, tuple], at: str, out: list[tuple[str, str]]) -> bool:
    ok = True
    for name, (check, what) in fields.items():
        value = obj.get(name)
        if not check(value):
            out.append((f"{at}/{name}", f"should be {what}, is {short(value)}"))
            ok = False
    return ok


def field_name(pointer: str) -> str:
    """A JSON pointer as a dotted name for messages: ``/annotations/0/result`` -> ``annotations.0.result``."""
    return pointer.lstrip("/").replace("/", ".") or "the task"


def result_problems(result: Any, at: str = "/result") -> list[tuple[str, str]]:
    """(JSON pointer, problem) for every part of an annotation ``result`` that is not of the expected shape."""
    if not isinstance(result, list):
        return [(at, f"should be a list of regions, is {short(result)}")]
    out: list[tuple[str, str]] = []
    for i, item in enumerate(result):
        here = f"{at}/{i}"
        if not isinstance(item, dict):
            out.append((here, f"should be a region object, is {short(item)}"))
        elif item.get("type") == "relation":
            _check_fields(item, _RELATION_FIELDS, here, out)
        elif _check_fields(item, _REGION_FIELDS, here, out) and isinstance(item.get("value"), dict):
            _check_fields(item["value"], _VALUE_FIELDS, f"{here}/value", out)
    return out


def task_problems(task: Any, need_id: bool = False) -> list[tuple[str, str]]:
    """(JSON pointer, problem) for every part of a task that the readers need and is not of the expected shape.

    ``data`` needs a ``doc_id`` and a ``text`` string; each annotation and prediction is checked with its
    result; drafts are only counted. At most MAX_SHAPE_PROBLEMS are listed.
    """
    if not isinstance(task, dict):
        return [("", f"should be an object, is {short(task)}")]
    out: list[tuple[str, str]] = []
    fields = dict(_TASK_FIELDS)
    if need_id:
        fields["id"] = (_is_int, "an integer")
    _check_fields(task, fields, "", out)
    data = task.get("data")
    if isinstance(data, dict):
        for key in ("doc_id", TEXT):
            if not (isinstance(data.get(key), str) and data.get(key)):
                out.append((f"/data/{key}", f"should be a non-empty string, is {short(data.get(key))}"))
    for kind in ("annotations", "predictions"):
        items = task.get(kind)
        for i, item in enumerate(items if isinstance(items, list) else []):
            here = f"/{kind}/{i}"
            if not isinstance(item, dict):
                out.append((here, f"should be an object, is {short(item)}"))
                continue
            _check_fields(item, _ITEM_FIELDS, here, out)
            user = item.get("completed_by")
            if isinstance(user, dict):
                _check_fields(user, _USER_FIELDS, f"{here}/completed_by", out)
            if isinstance(item.get("result"), list):
                out += result_problems(item["result"], f"{here}/result")
    if len(out) > MAX_SHAPE_PROBLEMS:
        out = [*out[:MAX_SHAPE_PROBLEMS], ("", f"has {len(out) - MAX_SHAPE_PROBLEMS} more problems of shape")]
    return out


def task_data(doc: Document) -> dict[str, Any]:
    """The ``data`` of the task holding ``doc``; ``doc_id`` is the key sync looks tasks up by."""
    return {TEXT: doc.text, "doc_id": doc.doc_id, "sha256": doc.sha256}


def _check_text(doc: Document, sid: str, start: int, end: int, text: str | None) -> str | None:
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(doc.text)):
        return f"{doc.doc_id}: region {sid}: offsets [{start}, {end}) are not within the text (length {len(doc.text)})"
    if text is not None and doc.text[start:end] != text:
        return f"{doc.doc_id}: region {sid}: text {text!r} differs from text[{start}:{end}] = {doc.text[start:end]!r}"
    return None


def to_result(doc: AnnotatedDocument) -> list[dict[str, Any]]:
    """The annotation ``result`` holding every span, attribute and relation of ``doc``."""
    problems: list[str] = []
    out: list[dict[str, Any]] = []
    controls = attribute_controls()
    d = doc.sorted()
    for s in d.spans:
        problem = _check_text(d.document, s.id, s.start, s.end, s.text)
        if problem:
            problems.append(problem)
            continue
        where = {"start": s.start, "end": s.end}
        out.append(
            {
                "id": s.id,
                "from_name": LABELS,
                "to_name": TEXT,
                "type": "labels",
                "value": {**where, "text": s.text, "labels": [s.label]},
            }
        )
        for control, (layer, attribute) in controls.items():
            value = s.attributes.get(attribute.name)
            if layer != s.layer or value is None:
                continue
            if attribute.kind == "string":
                out.append(
                    {
                        "id": s.id,
                        "from_name": control,
                        "to_name": TEXT,
                        "type": "textarea",
                        "value": {**where, "text": [value]},
                    }
                )
            else:
                out.append(
                    {
                        "id": s.id,
                        "from_name": control,
                        "to_name": TEXT,
                        "type": "choices",
                        "value": {**where, "text": s.text, "choices": [to_choice(attribute, value)]},
                    }
                )
    for r in d.relations:
        out.append({"from_id": r.head, "to_id": r.tail, "type": "relation", "direction": "right", "labels": [r.type]})
    if problems:
        raise ConvertError(problems)
    return out


@dataclass
class _Region:
    id: str
    layer: str
    label: str
    start: int
    end: int
    attributes: dict[str, Any]


def _parse(
    document: Document, result: list[dict[str, Any]]
) -> tuple[dict[str, _Region], list[tuple], list[str], set[str]]:
    """Regions by id, raw relations (from, to, direction, labels), problems and the ids of refused regions."""
    doc_id, layers, controls = document.doc_id, span_labels(), attribute_controls()
    problems: list[str] = []
    regions: dict[str, _Region] = {}
    refused: set[str] = set()
    extra: list[dict[str, Any]] = []
    relations: list[tuple] = []
    for item in result:
        kind = item.get("type")
        if kind == "relation":
            relations.append(
                (item.get("from_id"), item.get("to_id"), item.get("direction", "right"), item.get("labels") or [])
            )
            continue
        if item.get("from_name") != LABELS:
            extra.append(item)
            continue
        rid, value = str(item.get("id")), item.get("value") or {}
        labels = value.get("labels") or []
        start, end = value.get("start"), value.get("end")
        shown = doc_id if not isinstance(start, int) or not isinstance(end, int) else repr(document.text[start:end])
        if len(labels) != 1 or labels[0] not in layers:
            problems.append(f"{doc_id}: region {rid} ({shown}): needs exactly one known label, has {labels}")
            refused.add(rid)
            continue
        if rid in regions:
            problems.append(f"{doc_id}: region id {rid} is used twice")
            continue
        problem = _check_text(document, rid, start, end, value.get("text"))
        if problem:
            problems.append(problem)
            refused.add(rid)
            continue
        regions[rid] = _Region(rid, layers[labels[0]], labels[0], start, end, {})
    for item in extra:
        rid, control, value = str(item.get("id")), item.get("from_name"), item.get("value") or {}
        key = controls.get(control)
        region = regions.get(rid)
        if rid in refused:
            continue
        if key is None:
            problems.append(f"{doc_id}: result {rid}: unknown control {control!r}")
            continue
        if region is None:
            problems.append(f"{doc_id}: {control} result points at region {rid}, which is not a span")
            continue
        layer, attribute = key
        if layer != region.layer:
            continue  # left over from a label the editor changed; meaningless for the new one
        if attribute.kind == "string":
            given = value.get("text") or []
            # One string is one text, not a list of characters.
            texts = [
                t.strip() for t in ([given] if isinstance(given, str) else given) if isinstance(t, str) and t.strip()
            ]
            if texts:
                region.attributes[attribute.name] = texts[-1]
        else:
            choices = value.get("choices") or []
            if len(choices) != 1:
                problems.append(
                    f"{doc_id}: region {rid} ({document.text[region.start : region.end]!r}): "
                    f"{control} needs one choice, has {choices}"
                )
                continue
            region.attributes[attribute.name] = from_choice(attribute, choices[0])
    # A region without a control that has a declared default (as in offset-free drafts) gets the default.
    for region in regions.values():
        for layer, attribute in controls.values():
            if region.layer == layer and attribute.default is not None:
                region.attributes.setdefault(attribute.name, attribute.default)
    return regions, relations, problems, refused


def _same_span(a: Span, b: Span) -> bool:
    return a.id == b.id and same_span(a, b)


def from_result(
    document: Document,
    result: list[dict[str, Any]],
    origin: Provenance,
    base: AnnotatedDocument | None = None,
) -> AnnotatedDocument:
    """The document's spans and relations in a Label Studio ``result`` (see RESTRICTIONS).

    ``origin`` is the provenance of records that are not identical to one in
    ``base`` (the document as last synced). Raises ConvertError listing every
    region that cannot be read.
    """
    doc_id = document.doc_id
    shape = result_problems(result)
    if shape:
        raise ConvertError([f"{doc_id}: {field_name(where)} {problem}" for where, problem in shape])
    regions, raw_relations, problems, refused = _parse(document, result)
    base_spans = {s.id: s for s in (base.spans if base else [])}

    # Keep ids this document issued for the region's layer; number the rest after the highest in use.
    new_id: dict[str, str] = {}
    numbering = ids.Numbering(doc_id, [*base_spans, *regions])
    fresh = []
    for r in regions.values():
        if ids.is_canonical(r.id, doc_id, ids.letter_of(r.layer)):
            new_id[r.id] = r.id
        else:
            fresh.append(r)
    for r in sorted(fresh, key=lambda r: (r.start, r.end, r.id)):
        new_id[r.id] = numbering.next(ids.letter_of(r.layer))

    out = AnnotatedDocument(document)
    for r in regions.values():
        span = make_span(
            document,
            id=new_id[r.id],
            layer=r.layer,
            start=r.start,
            end=r.end,
            label=r.label,
            attributes=dict(r.attributes),
            provenance=origin,
        )
        old = base_spans.get(span.id)
        out.spans.append(old if old is not None and _same_span(old, span) else span)

    rel_types = label_sets().relation_types
    base_rels = {(r.type, r.head, r.tail): r for r in (base.relations if base else [])}
    seen: set[tuple[str, str, str]] = set()
    new: list[tuple[str, str, str]] = []
    for from_id, to_id, direction, labels in raw_relations:
        if len(labels) != 1 or labels[0] not in rel_types:
            problems.append(
                f"{doc_id}: relation {from_id} -> {to_id} needs exactly one of {sorted(rel_types)}, has {labels}"
            )
            continue
        a, b = regions.get(str(from_id)), regions.get(str(to_id))
        if str(from_id) in refused or str(to_id) in refused:
            continue
        if a is None or b is None:
            problems.append(
                f"{doc_id}: {labels[0]} relation {from_id} -> {to_id} points at a region that is not a span"
            )
            continue
        head_layer, _tail_layer = rel_types[labels[0]]
        # Which end is the head follows from the layers, whichever way the annotator drew the arrow.
        if (a.layer != head_layer and b.layer == head_layer) or (a.layer == b.layer and direction == "left"):
            a, b = b, a
        key = (labels[0], new_id[a.id], new_id[b.id])
        if key in seen:
            continue
        seen.add(key)
        if key in base_rels:
            out.relations.append(base_rels[key])
        else:
            new.append(key)
    rel_numbering = ids.Numbering(doc_id, [r.id for r in (base.relations if base else [])])
    for rel_type, head, tail in sorted(new):
        out.relations.append(Relation(rel_numbering.next(ids.RELATION_LETTER), doc_id, rel_type, head, tail, origin))
    if problems:
        raise ConvertError(problems)
    return out.sorted()


def content_key(result: list[dict[str, Any]]) -> str:
    """A sha256 of what a result says, blind to order and to keys the editor adds (origin, meta...)."""
    items = []
    for item in result:
        v = item.get("value") or {}
        if item.get("type") == "relation":
            items.append(
                [
                    "relation",
                    str(item.get("from_id")),
                    str(item.get("to_id")),
                    item.get("direction"),
                    sorted(item.get("labels") or []),
                ]
            )
        else:
            payload = {k: v[k] for k in ("labels", "choices") if k in v}
            if item.get("type") == "textarea":
                payload["text"] = v.get("text")
            items.append(
                [
                    str(item.get("id")),
                    item.get("from_name"),
                    v.get("start"),
                    v.get("end"),
                    json.dumps(payload, sort_keys=True, ensure_ascii=False),
                ]
            )
    blob = json.dumps(sorted(items, key=lambda x: json.dumps(x, ensure_ascii=False)), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def with_provenance(doc: AnnotatedDocument, provenance: Provenance) -> AnnotatedDocument:
    """``doc`` with every record's provenance replaced (what a round trip without a base gives)."""
    return AnnotatedDocument(
        doc.document,
        [replace(s, provenance=provenance) for s in doc.spans],
        [replace(r, provenance=provenance) for r in doc.relations],
    )


def user_email(user: Any) -> str:
    if isinstance(user, dict):
        return str(user.get("email") or user.get("username") or user.get("id"))
    return str(user)


def user_id(user: Any) -> Any:
    return user.get("id") if isinstance(user, dict) else user


def selected(task: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """("annotation" | "prediction", item) that stands for the task in the corpus."""
    anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if anns:
        return "annotation", max(anns, key=lambda a: (a.get("updated_at") or "", a.get("id") or 0))
    preds = task.get("predictions") or []
    if preds and isinstance(preds[0], dict):
        return "prediction", max(preds, key=lambda p: (p.get("updated_at") or "", p.get("id") or 0))
    return None


def origin(kind: str, item: dict[str, Any], version: str) -> Provenance:
    if kind == "prediction":
        score = item.get("score")
        return Provenance(
            str(item.get("model_version") or "prediction"),
            TOOL,
            version,
            "prediction",
            float(score) if isinstance(score, int | float) and 0 <= score <= 1 else None,
        )
    return Provenance(user_email(item.get("completed_by")), TOOL, version, SUBMITTED)


@dataclass(frozen=True)
class ExportProblem:
    """A part of an export that cannot be read: its task's position, the field and what is wrong."""

    task: int
    field: str
    message: str
    doc_id: str | None = None


def export_records(tasks: list[Any], file: str) -> tuple[list[tuple[int, dict[str, Any]]], list[ExportProblem]]:
    """Records of a Label Studio JSON export, read as a batch: (task position, record) pairs and problems.

    Each task stands for one document: its latest non-skipped annotation, else its latest
    prediction (as ``corpus labelstudio pull`` chooses). A header naming the text every task was
    made against comes first (position 0), so a task made on another text of a document is
    re-anchored. Nothing here checks the records' schema: the reader that receives them does.
    """
    out: list[tuple[int, dict[str, Any]]] = []
    problems: list[ExportProblem] = []
    against: dict[str, str] = {}
    if not isinstance(tasks, list):
        problems.append(ExportProblem(0, "", f"an export should be a list of tasks, is {short(tasks)}"))
        tasks = []
    for n, task in enumerate(tasks, start=1):
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get("doc_id") if isinstance(data, dict) and isinstance(data.get("doc_id"), str) else None
        shape = task_problems(task)
        if shape:
            who = f"task {n}" + (f" ({doc_id!r})" if doc_id else "")
            for where, problem in shape:
                problems.append(ExportProblem(n, where, f"{who}: {field_name(where)} {problem}", doc_id))
            continue
        assert isinstance(data, dict) and doc_id is not None
        text = data[TEXT]
        try:
            doc = Document.from_text(doc_id, text, f"label-studio:{file}")
        except (TypeError, ValueError) as e:
            problems.append(ExportProblem(n, "/data", f"task {doc_id!r}: {e}", doc_id))
            continue
        choice = selected(task)
        if choice is None:
            continue
        kind, item = choice
        at = f"/{kind}s/{next(i for i, x in enumerate(task[kind + 's']) if x is item)}/result"
        if not isinstance(item.get("result"), list):
            problems.append(ExportProblem(n, at, f"task {doc_id!r}: the {kind} has no result list", doc_id))
            continue
        try:
            converted = from_result(doc, item["result"], origin(kind, item, "export"))
        except ConvertError as e:
            problems += [ExportProblem(n, at, p, doc_id) for p in e.problems]
            continue
        against[doc_id] = doc.sha256
        # Ids numbered here (regions the editor made, all relations) are local to the batch: the
        # merge gives them corpus ids. Region ids that are corpus span ids are kept, so a span
        # sent by `corpus labelstudio push` is recognized as the same span.
        sent = {str(r.get("id")) for r in item["result"] if isinstance(r, dict)}
        local = {sp.id: (sp.id if sp.id in sent else f"t{n}.{sp.id}") for sp in converted.spans}
        out.append((n, doc.to_dict() | {"source_file": f"label-studio export {file}"}))
        out += [(n, sp.to_dict() | {"id": local[sp.id]}) for sp in converted.spans]
        out += [
            (
                n,
                r.to_dict()
                | {"id": f"t{n}.{r.id}", "head": local.get(r.head, r.head), "tail": local.get(r.tail, r.tail)},
            )
            for r in converted.relations
        ]
    header = {
        "record": "batch",
        "batch_id": re.sub(r"[^a-z0-9-]+", "-", file.rsplit("/", 1)[-1].lower()).strip("-") or "label-studio",
        "against": against,
    }
    return [(0, header), *out], problems


# -- three-way merge ----------------------------------------------------------------------------------------
#
# The base is the document as it was at the last sync; the corpus and Label Studio each changed it since.
# Records are matched by id (Label Studio regions carry the corpus ids once pulled; relations, which have no
# id there, get the id of the base or corpus relation with the same ends). A record changed on one side
# only takes that side; changed on both sides to the same content, that content; else it is a clash.

SIDES = ("corpus", "labelstudio")


@dataclass(frozen=True)
class Clash:
    """One span or relation changed differently on both sides since the base; None where it is absent."""

    id: str
    base: Span | Relation | None
    corpus: Span | Relation | None
    labelstudio: Span | Relation | None

    def render(self) -> str:
        any_record = next(r for r in (self.corpus, self.labelstudio, self.base) if r is not None)
        absent = "deleted" if self.base is not None else "absent"
        return (
            f"{self.id} {describe_text(any_record)}: corpus: {describe(self.corpus, absent)}, "
            f"Label Studio: {describe(self.labelstudio, absent)}, base: {describe(self.base, 'absent')}"
        )


def describe_text(record: Span | Relation) -> str:
    return repr(record.text) if isinstance(record, Span) else f"({record.type} {record.head} -> {record.tail})"


def describe(record: Span | Relation | None, absent: str = "absent") -> str:
    """What a record says, for a conflict report."""
    if record is None:
        return absent
    if isinstance(record, Relation):
        return f"{record.type} {record.head} -> {record.tail}"
    attrs = ", ".join(f"{k}={v!r}" for k, v in sorted(record.attributes.items()) if v is not None)
    return f"{record.label} [{record.start}, {record.end}) {record.text!r} {{{attrs}}}"


def _records(doc: AnnotatedDocument | None) -> dict[str, Span | Relation]:
    if doc is None:
        return {}
    return {r.id: r for r in [*doc.spans, *doc.relations]}


def _hash(record: Span | Relation | None) -> str | None:
    return None if record is None else content_hash(record)


def three_way(
    base: AnnotatedDocument | None,
    corpus: AnnotatedDocument,
    labelstudio: AnnotatedDocument,
    take: str | None = None,
) -> tuple[AnnotatedDocument, list[Clash]]:
    """The corpus and Label Studio sides merged record by record against ``base``, and the clashes left.

    ``take`` ("corpus" or "labelstudio") resolves every clash to that side. Where both sides hold the
    same content the corpus record (and its provenance) is kept. Without a base every record in which
    the sides differ is a clash.
    """
    if take is not None and take not in SIDES:
        raise ValueError(f"take must be one of {SIDES}, is {take!r}")
    b, c, ls = _records(base), _records(corpus), _records(labelstudio)
    chosen: list[Span | Relation] = []
    clashes: list[Clash] = []
    for rid in sorted(b.keys() | c.keys() | ls.keys()):
        rb, rc, rl = b.get(rid), c.get(rid), ls.get(rid)
        hb, hc, hl = _hash(rb), _hash(rc), _hash(rl)
        if hc == hl:
            pick = rc
        elif base is not None and hc == hb:
            pick = rl
        elif base is not None and hl == hb:
            pick = rc
        elif take is not None:
            pick = rc if take == "corpus" else rl
        else:
            clashes.append(Clash(rid, rb, rc, rl))
            continue
        if pick is not None:
            chosen.append(pick)
    merged = AnnotatedDocument(
        corpus.document,
        [r for r in chosen if isinstance(r, Span)],
        [r for r in chosen if isinstance(r, Relation)],
    )
    return merged.sorted(), clashes


def changes(
    corpus: AnnotatedDocument, labelstudio: AnnotatedDocument
) -> list[tuple[str, str, Span | Relation | None, Span | Relation | None]]:
    """(id, "update" | "delete" | "new", corpus record, Label Studio record) for every record the two differ in."""
    c, ls = _records(corpus), _records(labelstudio)
    out = []
    for rid in sorted(c.keys() | ls.keys()):
        rc, rl = c.get(rid), ls.get(rid)
        if _hash(rc) == _hash(rl):
            continue
        out.append((rid, "new" if rc is None else "delete" if rl is None else "update", rc, rl))
    return out


def edit_records(
    corpus: AnnotatedDocument, labelstudio: AnnotatedDocument, only: set[str] | None = None
) -> list[dict[str, Any]]:
    """Label Studio's side as a correction batch: edits of corpus records, new records as plain records.

    An edit names the corpus record by id and by ``content_hash`` of it as it is in the corpus now
    (``expect``), so it is refused if the corpus changed since. ``only`` limits the ids.
    """
    out: list[dict[str, Any]] = []
    doc_id = corpus.doc_id
    for rid, op, rc, rl in changes(corpus, labelstudio):
        if only is not None and rid not in only:
            continue
        if op == "new":
            assert rl is not None
            out.append(rl.to_dict())
        elif op == "delete":
            assert rc is not None
            out.append({"record": "edit", "op": "delete", "doc_id": doc_id, "id": rid, "expect": content_hash(rc)})
        else:
            assert rc is not None and rl is not None
            out.append(
                {
                    "record": "edit",
                    "op": "update",
                    "doc_id": doc_id,
                    "id": rid,
                    "expect": content_hash(rc),
                    "value": rl.to_dict(),
                }
            )
    return out
