"""The one declaration of layers, labels and attributes, and what is generated from it."""

from __future__ import annotations

import copy

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from corpus_pkg.labels import LAYERS, attribute_problems, label_sets, load_declaration, read_declaration

# An attribute the shipped declaration does not have.
MOD = {
    "kind": "enum",
    "required": False,
    "description": "TIMEX3 anchor.",
    "values": {"BEFORE": "Before the value.", "AFTER": "After the value.", "APPROX": "About the value."},
    "control": "timex_anchor",
}


def _with_extra_date_attribute():
    raw = read_declaration()
    raw["layers"]["date"]["attributes"]["anchor"] = copy.deepcopy(MOD)
    return load_declaration(raw, "test declaration")


def _date_span(**attributes):
    return {
        "record": "span",
        "id": "t-d001",
        "doc_id": "t",
        "layer": "date",
        "start": 0,
        "end": 4,
        "text": "2023",
        "label": "TIMEX3",
        "attributes": {"type": "DATE", "value": "2023", **attributes},
        "prefix": "",
        "suffix": "",
        "provenance": {"annotator": "a", "tool": "t", "tool_version": "1", "status": "gold"},
    }


def test_the_shipped_declaration_gives_every_layer_labels_and_typed_attributes():
    decl = label_sets()
    assert tuple(decl.layers) == LAYERS
    assert decl.labels_for("date") == ("TIMEX3",) and "PERSON" in decl.entity_types
    qid = decl.layers["entity"].attributes["qid"]
    assert (qid.kind, qid.required, qid.nullable, qid.control) == ("string", False, True, "entity_qid")
    assert decl.layers["claim"].required == ("checkworthy", "factuality", "source")
    assert decl.layers["quote"].attributes["speaker_stated"].kind == "boolean"
    assert decl.layers["entity"].attributes["kind"].values["NAM"] == "A proper name."


def test_an_attribute_added_to_the_declaration_reaches_schema_features_and_label_studio():
    from corpus_pkg.hf import features
    from corpus_pkg.labelstudio.config import attribute_controls, labeling_config
    from corpus_pkg.schemas import all_schemas, span_schema

    decl = _with_extra_date_attribute()
    values = ["BEFORE", "AFTER", "APPROX"]

    schema = span_schema("date", decl)
    attrs = schema["properties"]["attributes"]
    assert attrs["properties"]["anchor"] == {"enum": values, "description": "TIMEX3 anchor."}
    assert "anchor" not in attrs["required"]
    assert all_schemas(decl)["batch-record.schema.json"]["$defs"]["span-date"]["properties"]["attributes"] == attrs
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(_date_span(anchor="APPROX")) and validator.is_valid(_date_span())
    assert not validator.is_valid(_date_span(anchor="SOON"))
    assert "anchor" not in span_schema("date")["properties"]["attributes"]["properties"]

    assert features("dates", decl)["anchor"].names == values
    assert features("documents", decl)["dates"].feature["anchor"].names == values
    assert "anchor" not in features("dates")

    assert attribute_controls(decl)["timex_anchor"][0] == "date"
    root = etree.fromstring(labeling_config(decl).encode("utf-8"))
    (control,) = [el for el in root.iter("Choices") if el.get("name") == "timex_anchor"]
    assert [c.get("value") for c in control.iter("Choice")] == values
    assert control.getparent().get("whenLabelValue") == "TIMEX3" and control.get("perRegion") == "true"
    assert "timex_anchor" not in labeling_config()

    assert attribute_problems("date", {"type": "DATE", "value": "2023", "anchor": "APPROX"}, decl) == []
    assert attribute_problems("date", {"type": "DATE", "value": "2023", "anchor": "SOON"}, decl) == [
        "date attribute anchor 'SOON' is not one of BEFORE, AFTER, APPROX"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "number"}, "kind 'number' is not one of enum, string, boolean"),
        ({"kind": "string", "values": {}, "pattern": "[0-9]+"}, "must be anchored"),
        ({"values": {}}, "values are required for an enum"),
        ({"control": "timex_type"}, "control 'timex_type' is already used by date.type"),
        ({"colour": "red"}, "unknown key(s) ['colour']"),
        ({"default": "NEVER"}, "default: mod 'NEVER' is not one of"),
    ],
)
def test_a_malformed_attribute_declaration_is_refused_naming_where_and_why(change, message):
    raw = read_declaration()
    raw["layers"]["date"]["attributes"]["mod"] = {**MOD, **change}
    with pytest.raises(ValueError) as e:
        load_declaration(raw, "labels.json")
    assert str(e.value).startswith("labels.json: layers.date.attributes.mod: ") and message in str(e.value)


ODD = [None, True, False, 0, 1.5, "", "x", "a\n", "NAM", "PRO", "kim-jong-un", "Kim", "Q42", "Q0", "DATE", "direct"]


@st.composite
def attribute_dicts(draw):
    layer = draw(st.sampled_from(LAYERS))
    names = [*label_sets().layers[layer].attributes, "extra"]
    keys = draw(st.lists(st.sampled_from(names), unique=True))
    return layer, {k: draw(st.sampled_from(ODD)) for k in keys}


@given(attribute_dicts())
def test_attribute_problems_are_empty_exactly_when_the_span_schema_accepts_the_attributes(case):
    from corpus_pkg.schemas import span_schema

    layer, attributes = case
    schema = span_schema(layer)["properties"]["attributes"]
    problems = attribute_problems(layer, attributes)
    # jsonschema-rs reads patterns as JSON Schema means them; Python's re lets "$" pass a final "\n".
    assert (problems == []) == jsonschema_rs.validator_for(schema).is_valid(attributes), problems
    if not problems:
        assert jsonschema.Draft202012Validator(schema).is_valid(attributes)
