"""The labeling config: generated from the label declaration, safe XML, accepted by a real server."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from corpus_pkg.labels import label_sets
from corpus_pkg.labelstudio.config import LABELS, TEXT, attribute_controls, hotkeys, labeling_config, span_labels


def _tree(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode("utf-8"))


def test_every_declared_label_appears_exactly_once_on_the_one_text():
    ls = label_sets()
    root = _tree(labeling_config())
    values = [el.get("value") for el in root.iter("Label")]
    want = [*ls.entity_types, ls.date_label, ls.quote_label, ls.claim_label]
    assert values == want
    (labels,) = root.iter("Labels")
    assert labels.get("name") == LABELS and labels.get("toName") == TEXT
    assert [t.get("value") for t in root.iter("Text")] == ["$" + TEXT]


def test_labels_have_distinct_single_key_hotkeys():
    keys = [el.get("hotkey") for el in _tree(labeling_config()).iter("Label")]
    assert all(k and len(k) == 1 for k in keys)
    assert len(set(keys)) == len(keys)
    assert "u" not in keys  # Label Studio's own key for unselecting a region


def test_relations_carry_exactly_the_declared_relation_types():
    root = _tree(labeling_config())
    assert sorted(el.get("value") for el in root.iter("Relation")) == sorted(label_sets().relation_types)


def test_each_attribute_control_is_per_region_and_shown_only_for_its_layers_labels():
    root = _tree(labeling_config())
    layers = span_labels()
    controls = {el.get("name"): el for el in root.iter("Choices", "TextArea")}
    assert set(controls) == set(attribute_controls())
    for name, (layer, _attribute) in attribute_controls().items():
        el = controls[name]
        assert el.get("perRegion") == "true" and el.get("toName") == TEXT
        shown_for = set(el.getparent().get("whenLabelValue").split(","))
        assert shown_for == {label for label, lay in layers.items() if lay == layer}


def test_the_attributes_sit_in_a_column_beside_the_text_not_below_it():
    root = _tree(labeling_config())
    (text,) = root.iter("Text")
    text_column = text.getparent()
    row = text_column.getparent()
    assert "display: flex" in row.get("style")
    columns = [el for el in row if el.tag == "View"]
    assert len(columns) == 2 and columns[0] is text_column
    side = columns[1]
    # Every attribute control lives in the right-hand column, none anywhere else.
    controls = {el.get("name") for el in side.iter("Choices", "TextArea")}
    assert controls == set(attribute_controls())
    assert not list(text_column.iter("Choices", "TextArea"))


def test_choices_offer_the_declared_values():
    ls = label_sets()
    root = _tree(labeling_config())
    choices = {el.get("name"): [c.get("value") for c in el.iter("Choice")] for el in root.iter("Choices")}
    assert choices["entity_kind"] == list(ls.entity_kinds)
    assert choices["timex_type"] == list(ls.timex_types)
    assert choices["claim_factuality"] == list(ls.factuality)
    assert choices["quote_speaker_stated"] == ["true", "false"]


def test_markup_in_labels_and_descriptions_cannot_inject_elements():
    evil = 'X"/><Label value="INJECTED'
    ls = label_sets()
    entity = ls.layers["entity"]
    labels = {**entity.labels, evil: "</View><x a='1'>", "A&B<c>": ""}
    tampered = dataclasses.replace(ls, layers={**ls.layers, "entity": dataclasses.replace(entity, labels=labels)})
    root = _tree(labeling_config(tampered))
    values = [el.get("value") for el in root.iter("Label")]
    assert evil in values and "A&B<c>" in values
    assert "INJECTED" not in values
    assert [el.get("hint") for el in root.iter("Label") if el.get("value") == evil] == ["</View><x a='1'>"]


def test_hotkeys_fall_back_to_digits_when_a_label_has_no_free_letter():
    keys = hotkeys(["AA", "A", "AAA"])
    assert keys == {"AA": "a", "A": "1", "AAA": "2"}


@pytest.mark.labelstudio
def test_label_studio_accepts_the_config_and_rejects_a_broken_one(labelstudio_conn):
    from fixtures_labelstudio import unique_title
    from label_studio_sdk.core.api_error import ApiError

    client = labelstudio_conn.client
    project = client.projects.create(title=unique_title("config"), label_config=labeling_config())
    parsed = client.projects.get(project.id).parsed_label_config
    assert set(parsed) == {LABELS, *attribute_controls()}
    assert set(parsed[LABELS]["labels"]) == set(span_labels())
    # The same server refuses a config whose control points at no object tag: acceptance above means something.
    broken = '<View><Labels name="label" toName="nowhere"><Label value="A"/></Labels></View>'
    with pytest.raises(ApiError) as e:
        client.projects.create(title=unique_title("broken config"), label_config=broken)
    assert e.value.status_code == 400
