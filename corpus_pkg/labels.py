"""The layers, label sets and span attributes, read from the one declaration in ``schema/labels.json``.

Everything that names a label or an attribute (JSON Schemas, the Label Studio
config, the dataset features, the docs) takes it from here. The generators
take a :class:`Declaration` argument, so a changed declaration can be tried
without writing the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from corpus_pkg.project import schema_dir

LAYERS: tuple[str, ...] = ("entity", "date", "quote", "claim")
ATTRIBUTE_KINDS = ("enum", "string", "boolean")


@dataclass(frozen=True)
class Attribute:
    """One attribute of a layer's spans: ``span.attributes[name]``."""

    name: str
    kind: str  # one of ATTRIBUTE_KINDS
    required: bool
    control: str  # name of its Label Studio control
    description: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)  # enum value -> description
    nullable: bool = False
    pattern: str | None = None  # anchored (^...$), so fullmatch and JSON Schema's search agree
    min_length: int | None = None
    default: Any = None  # what a Label Studio region without the control gets

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not a value of this attribute, or None."""
        if value is None:
            return None if self.nullable else f"{self.name} must not be null"
        if self.kind == "boolean":
            return None if type(value) is bool else f"{self.name} must be true or false, got {value!r}"
        if type(value) is not str:
            return f"{self.name} must be a string, got {value!r}"
        if self.kind == "enum":
            return None if value in self.values else f"{self.name} {value!r} is not one of {', '.join(self.values)}"
        if self.min_length is not None and len(value) < self.min_length:
            return f"{self.name} {value!r} is shorter than {self.min_length} character(s)"
        if self.pattern is not None and not _compiled(self.pattern).fullmatch(value):
            return f"{self.name} {value!r} does not match {self.pattern}"
        return None


@dataclass(frozen=True)
class Layer:
    name: str
    labels: Mapping[str, str]  # label -> description
    attributes: Mapping[str, Attribute]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes.values() if a.required)


@dataclass(frozen=True)
class Declaration:
    layers: Mapping[str, Layer]
    relation_types: dict[str, tuple[str, str]]  # type -> (head layer, tail layer)
    relation_descriptions: dict[str, str]
    status_descriptions: dict[str, str]

    def labels_for(self, layer: str) -> tuple[str, ...]:
        """The allowed values of ``span.label`` in ``layer``."""
        return tuple(self.layers[layer].labels)

    def attribute_problems(self, layer: str, attributes: Any) -> list[str]:
        """What is wrong with a span's ``attributes`` in ``layer``: empty exactly when its span schema accepts
        them (read as JSON Schema means its patterns, so a final line break does not pass for ``$``)."""
        if not isinstance(attributes, dict):
            return [f"attributes must be an object, got {attributes!r}"]
        declared = self.layers[layer].attributes
        out = [f"{layer} spans have no attribute {k!r}" for k in attributes if k not in declared]
        for name, attribute in declared.items():
            if name not in attributes:
                if attribute.required:
                    out.append(f"{layer} attribute {name} is missing")
                continue
            problem = attribute.problem(attributes[name])
            if problem:
                out.append(f"{layer} attribute {problem}")
        return out

    # Named views of the shipped label sets, for the card, the renderer, anchoring and tests.
    @property
    def entity_types(self) -> tuple[str, ...]:
        return self.labels_for("entity")

    @property
    def date_label(self) -> str:
        return self.labels_for("date")[0]

    @property
    def quote_label(self) -> str:
        return self.labels_for("quote")[0]

    @property
    def claim_label(self) -> str:
        return self.labels_for("claim")[0]

    def values(self, layer: str, attribute: str) -> tuple[str, ...]:
        return tuple(self.layers[layer].attributes[attribute].values)

    @property
    def entity_kinds(self) -> tuple[str, ...]:
        return self.values("entity", "kind")

    @property
    def timex_types(self) -> tuple[str, ...]:
        return self.values("date", "type")

    @property
    def quote_kinds(self) -> tuple[str, ...]:
        return self.values("quote", "kind")

    @property
    def factuality(self) -> tuple[str, ...]:
        return self.values("claim", "factuality")

    @property
    def claim_sources(self) -> tuple[str, ...]:
        return self.values("claim", "source")

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.status_descriptions)

    @property
    def descriptions(self) -> dict[str, Mapping[str, str]]:
        attrs = {layer: self.layers[layer].attributes for layer in LAYERS}
        return {
            "entity": self.layers["entity"].labels,
            "entity_kind": attrs["entity"]["kind"].values,
            "timex_type": attrs["date"]["type"].values,
            "quote_kind": attrs["quote"]["kind"].values,
            "factuality": attrs["claim"]["factuality"].values,
            "claim_source": attrs["claim"]["source"].values,
            "relation": self.relation_descriptions,
            "status": self.status_descriptions,
        }


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def declaration_path() -> Path:
    return schema_dir() / "labels.json"


# The keys an attribute may have in the declaration: the fields of Attribute but its name.
_ATTRIBUTE_KEYS = {f.name for f in fields(Attribute)} - {"name"}


def _attribute(where: str, name: str, raw: dict[str, Any]) -> Attribute:
    unknown = sorted(set(raw) - _ATTRIBUTE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; known: {sorted(_ATTRIBUTE_KEYS)}")
    kind = raw.get("kind")
    if kind not in ATTRIBUTE_KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(ATTRIBUTE_KINDS)}")
    if not isinstance(raw.get("required"), bool):
        raise ValueError(f"{where}: required must be true or false, got {raw.get('required')!r}")
    if not isinstance(raw.get("control"), str) or not raw["control"]:
        raise ValueError(f"{where}: control (the Label Studio control name) is missing")
    values = raw.get("values", {})
    if (kind == "enum") != bool(values):
        raise ValueError(f"{where}: values are required for an enum and only for an enum, got {values!r}")
    pattern = raw.get("pattern")
    if pattern is not None and (kind != "string" or not (pattern.startswith("^") and pattern.endswith("$"))):
        raise ValueError(f"{where}: pattern {pattern!r} needs kind string and must be anchored (^...$)")
    if raw.get("min_length") is not None and kind != "string":
        raise ValueError(f"{where}: min_length needs kind string")
    attribute = Attribute(
        name=name,
        kind=kind,
        required=raw["required"],
        control=raw["control"],
        description=raw.get("description"),
        values=dict(values),
        nullable=bool(raw.get("nullable", False)),
        pattern=pattern,
        min_length=raw.get("min_length"),
        default=raw.get("default"),
    )
    if attribute.default is not None and attribute.problem(attribute.default):
        raise ValueError(f"{where}: default: {attribute.problem(attribute.default)}")
    return attribute


def load_declaration(raw: dict[str, Any], where: str = "labels.json") -> Declaration:
    """A declaration from the parsed JSON of ``schema/labels.json``; ``where`` names it in errors."""
    if tuple(raw["layers"]) != LAYERS:
        raise ValueError(f"{where}: layers must be {LAYERS}, got {tuple(raw['layers'])}")
    layers = {}
    controls: dict[str, str] = {}
    for name, layer in raw["layers"].items():
        attributes = {}
        for attr_name, attr in layer["attributes"].items():
            at = f"{where}: layers.{name}.attributes.{attr_name}"
            attributes[attr_name] = a = _attribute(at, attr_name, attr)
            if a.control in controls:
                raise ValueError(f"{at}: control {a.control!r} is already used by {controls[a.control]}")
            controls[a.control] = f"{name}.{attr_name}"
        if not layer["labels"]:
            raise ValueError(f"{where}: layers.{name}.labels is empty")
        layers[name] = Layer(name, dict(layer["labels"]), attributes)
    return Declaration(
        layers=layers,
        relation_types={k: (v["head"], v["tail"]) for k, v in raw["relation"].items()},
        relation_descriptions={k: v["description"] for k, v in raw["relation"].items()},
        status_descriptions=dict(raw["provenance"]["status"]),
    )


def read_declaration() -> dict[str, Any]:
    """The parsed JSON of the shipped declaration (a fresh copy: callers may change it)."""
    return json.loads(declaration_path().read_text(encoding="utf-8"))


@cache
def label_sets() -> Declaration:
    """The shipped declaration."""
    return load_declaration(read_declaration(), str(declaration_path()))


def attribute_problems(layer: str, attributes: Any, decl: Declaration | None = None) -> list[str]:
    """What is wrong with a span's attributes in ``layer`` under the declaration (the shipped one by default)."""
    return (decl or label_sets()).attribute_problems(layer, attributes)
