"""The Label Studio labeling config, generated from ``schema/labels.json``.

One ``<Labels name="label">`` holds the entity types and the TIMEX3, QUOTE and
CLAIM labels, so every span of every layer lives on the one ``<Text
name="text">``. The span attributes are per-region controls shown when a region
with the matching label is selected; relations carry the relation types.
The XML is built with lxml so no label or description can inject markup.
"""

from __future__ import annotations

import string

from lxml import etree

from corpus_pkg.labels import LabelSets, label_sets

TEXT = "text"
LABELS = "label"
# Control names of the per-region attributes: (layer, attribute) -> control name.
CONTROLS: dict[tuple[str, str], str] = {
    ("entity", "kind"): "entity_kind",
    ("entity", "cluster"): "entity_cluster",
    ("entity", "qid"): "entity_qid",
    ("date", "type"): "timex_type",
    ("date", "value"): "timex_value",
    ("quote", "kind"): "quote_kind",
    ("quote", "speaker_stated"): "quote_speaker_stated",
    ("claim", "checkworthy"): "claim_checkworthy",
    ("claim", "factuality"): "claim_factuality",
    ("claim", "source"): "claim_source",
}
# Attributes edited in a TextArea (free text); the others are single Choices.
TEXT_ATTRIBUTES = {("entity", "cluster"), ("entity", "qid"), ("date", "value")}
BOOLEAN_ATTRIBUTES = {("quote", "speaker_stated"), ("claim", "checkworthy")}
# Keys Label Studio's editor binds itself (u: unselect region).
RESERVED_KEYS = {"u"}
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
]


def span_labels(ls: LabelSets | None = None) -> dict[str, str]:
    """Every span label -> its layer."""
    ls = ls or label_sets()
    out = {t: "entity" for t in ls.entity_types}
    out[ls.date_label] = "date"
    out[ls.quote_label] = "quote"
    out[ls.claim_label] = "claim"
    return out


def hotkeys(labels: list[str]) -> dict[str, str]:
    """A distinct one-key shortcut per label: its first free letter, else a free digit."""
    used = set(RESERVED_KEYS)
    out: dict[str, str] = {}
    for label in labels:
        letters = [c for c in label.lower() if c in string.ascii_lowercase and c not in used]
        key = letters[0] if letters else next(d for d in "1234567890" if d not in used)
        used.add(key)
        out[label] = key
    return out


def _choice_values(layer: str, attribute: str, ls: LabelSets) -> list[str]:
    if (layer, attribute) in BOOLEAN_ATTRIBUTES:
        return ["true", "false"]
    return list(
        {
            ("entity", "kind"): ls.entity_kinds,
            ("date", "type"): ls.timex_types,
            ("quote", "kind"): ls.quote_kinds,
            ("claim", "factuality"): ls.factuality,
            ("claim", "source"): ls.claim_sources,
        }[(layer, attribute)]
    )


def _hint(layer: str, attribute: str, value: str, ls: LabelSets) -> str | None:
    key = {
        ("entity", "kind"): "entity_kind",
        ("date", "type"): "timex_type",
        ("quote", "kind"): "quote_kind",
        ("claim", "factuality"): "factuality",
        ("claim", "source"): "claim_source",
    }.get((layer, attribute))
    return ls.descriptions[key].get(value) if key else None


def labeling_config(ls: LabelSets | None = None) -> str:
    """The labeling config XML."""
    ls = ls or label_sets()
    by_label = span_labels(ls)
    keys = hotkeys(list(by_label))
    view = etree.Element("View")
    header = etree.SubElement(view, "Header")
    header.set("value", "Select a span, press its label key; set the attributes of the selected region.")
    labels = etree.SubElement(view, "Labels", name=LABELS, toName=TEXT, choice="single")
    hints = {
        **ls.descriptions["entity"],
        ls.date_label: "A TIMEX3 temporal expression.",
        ls.quote_label: "Reported speech (PARC content).",
        ls.claim_label: "A factual claim.",
    }
    for i, (label, _layer) in enumerate(by_label.items()):
        el = etree.SubElement(labels, "Label", value=label, hotkey=keys[label], background=PALETTE[i % len(PALETTE)])
        if hints.get(label):
            el.set("hint", hints[label])
    etree.SubElement(view, "Text", name=TEXT, value="$" + TEXT, granularity="symbol")

    relations = etree.SubElement(view, "Relations")
    for rel in sorted(ls.relation_types):
        etree.SubElement(relations, "Relation", value=rel)

    for layer in ("entity", "date", "quote", "claim"):
        when = ",".join(lab for lab, lay in by_label.items() if lay == layer)
        box = etree.SubElement(view, "View", visibleWhen="region-selected", whenTagName=LABELS, whenLabelValue=when)
        for (lay, attribute), name in CONTROLS.items():
            if lay != layer:
                continue
            etree.SubElement(box, "Header", value=f"{layer} {attribute}", size="6")
            common = {"name": name, "toName": TEXT, "perRegion": "true"}
            if (layer, attribute) in TEXT_ATTRIBUTES:
                etree.SubElement(box, "TextArea", maxSubmissions="1", editable="true", rows="1", **common)
                continue
            ch = etree.SubElement(box, "Choices", choice="single", showInline="true", **common)
            for value in _choice_values(layer, attribute, ls):
                c = etree.SubElement(ch, "Choice", value=value)
                hint = _hint(layer, attribute, value, ls)
                if hint:
                    c.set("hint", hint)
    return etree.tostring(view, pretty_print=True, encoding="unicode")
