"""The Label Studio labeling config, generated from ``schema/labels.json``.

One ``<Labels name="label">`` holds the entity types and the TIMEX3, QUOTE and
CLAIM labels, so every span of every layer lives on the one ``<Text
name="text">``. Each span attribute gets the per-region control its declaration
names, shown when a region with the matching label is selected, in a column
beside the text (a flex row: text left, attributes right); relations
carry the relation types. The XML is built with lxml so no label or description can inject markup.
"""

from __future__ import annotations

import string
from typing import Any

from lxml import etree

from corpus_pkg.labels import Attribute, Declaration, label_sets

TEXT = "text"
LABELS = "label"
COLUMNS_STYLE = "display: flex; align-items: flex-start; gap: 1em;"
TEXT_COLUMN_STYLE = "flex: 3; min-width: 0;"
SIDE_COLUMN_STYLE = "flex: 1; min-width: 16em; position: sticky; top: 0;"
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


def span_labels(decl: Declaration | None = None) -> dict[str, str]:
    """Every span label -> its layer."""
    decl = decl or label_sets()
    return {label: layer for layer in decl.layers for label in decl.labels_for(layer)}


def attribute_controls(decl: Declaration | None = None) -> dict[str, tuple[str, Attribute]]:
    """Control name -> (layer, attribute) of every per-region attribute control, in config order."""
    decl = decl or label_sets()
    return {a.control: (layer, a) for layer, spec in decl.layers.items() for a in spec.attributes.values()}


def choice_values(attribute: Attribute) -> list[str]:
    """The Choice values of an enum or boolean attribute's control (strings get a TextArea instead)."""
    return ["true", "false"] if attribute.kind == "boolean" else list(attribute.values)


def to_choice(attribute: Attribute, value: Any) -> Any:
    return ("true" if value else "false") if attribute.kind == "boolean" else value


def from_choice(attribute: Attribute, choice: str) -> Any:
    return choice == "true" if attribute.kind == "boolean" else choice


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


def labeling_config(decl: Declaration | None = None) -> str:
    """The labeling config XML."""
    decl = decl or label_sets()
    by_label = span_labels(decl)
    keys = hotkeys(list(by_label))
    view = etree.Element("View")
    header = etree.SubElement(view, "Header")
    header.set("value", "Select a span, press its label key; set the attributes of the selected region.")
    labels = etree.SubElement(view, "Labels", name=LABELS, toName=TEXT, choice="single")
    hints = {label: hint for spec in decl.layers.values() for label, hint in spec.labels.items()}
    for i, (label, _layer) in enumerate(by_label.items()):
        el = etree.SubElement(labels, "Label", value=label, hotkey=keys[label], background=PALETTE[i % len(PALETTE)])
        if hints.get(label):
            el.set("hint", hints[label])
    relations = etree.SubElement(view, "Relations")
    for rel in sorted(decl.relation_types):
        etree.SubElement(relations, "Relation", value=rel)

    # The text on the left, the selected region's attributes beside it on the right (sticky while the
    # text scrolls), so an annotator sets them without scrolling past the whole document.
    columns = etree.SubElement(view, "View", style=COLUMNS_STYLE)
    left = etree.SubElement(columns, "View", style=TEXT_COLUMN_STYLE)
    etree.SubElement(left, "Text", name=TEXT, value="$" + TEXT, granularity="symbol")
    side = etree.SubElement(columns, "View", style=SIDE_COLUMN_STYLE)
    etree.SubElement(side, "Header", value="Attributes of the selected region", size="5")

    for layer, spec in decl.layers.items():
        when = ",".join(lab for lab, lay in by_label.items() if lay == layer)
        box = etree.SubElement(side, "View", visibleWhen="region-selected", whenTagName=LABELS, whenLabelValue=when)
        for attribute in spec.attributes.values():
            etree.SubElement(box, "Header", value=f"{layer} {attribute.name}", size="6")
            common = {"name": attribute.control, "toName": TEXT, "perRegion": "true"}
            if attribute.kind == "string":
                etree.SubElement(box, "TextArea", maxSubmissions="1", editable="true", rows="1", **common)
                continue
            ch = etree.SubElement(box, "Choices", choice="single", showInline="true", **common)
            for value in choice_values(attribute):
                c = etree.SubElement(ch, "Choice", value=value)
                hint = attribute.values.get(value)
                if hint:
                    c.set("hint", hint)
    return etree.tostring(view, pretty_print=True, encoding="unicode")
