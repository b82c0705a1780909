"""The label sets, read from the one declaration in ``schema/labels.json``.

Everything that names a label (JSON Schemas, the Label Studio config, the
dataset features, the docs) imports it from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from corpus_pkg.project import schema_dir

LAYERS: tuple[str, ...] = ("entity", "date", "quote", "claim")


@dataclass(frozen=True)
class LabelSets:
    entity_types: tuple[str, ...]
    entity_kinds: tuple[str, ...]
    date_label: str
    timex_types: tuple[str, ...]
    quote_label: str
    quote_kinds: tuple[str, ...]
    claim_label: str
    factuality: tuple[str, ...]
    claim_sources: tuple[str, ...]
    relation_types: dict[str, tuple[str, str]]  # type -> (head layer, tail layer)
    statuses: tuple[str, ...]
    descriptions: dict[str, dict[str, str]]

    def labels_for(self, layer: str) -> tuple[str, ...]:
        """The allowed values of ``span.label`` in ``layer``."""
        if layer == "entity":
            return self.entity_types
        return ({"date": self.date_label, "quote": self.quote_label, "claim": self.claim_label}[layer],)


def declaration_path() -> Path:
    return schema_dir() / "labels.json"


@cache
def label_sets() -> LabelSets:
    raw = json.loads(declaration_path().read_text(encoding="utf-8"))
    if tuple(raw["layers"]) != LAYERS:
        raise ValueError(f"{declaration_path()}: layers must be {LAYERS}")
    return LabelSets(
        entity_types=tuple(raw["entity"]["labels"]),
        entity_kinds=tuple(raw["entity"]["kinds"]),
        date_label=raw["date"]["label"],
        timex_types=tuple(raw["date"]["types"]),
        quote_label=raw["quote"]["label"],
        quote_kinds=tuple(raw["quote"]["kinds"]),
        claim_label=raw["claim"]["label"],
        factuality=tuple(raw["claim"]["factuality"]),
        claim_sources=tuple(raw["claim"]["sources"]),
        relation_types={k: (v["head"], v["tail"]) for k, v in raw["relation"].items()},
        statuses=tuple(raw["provenance"]["status"]),
        descriptions={
            "entity": raw["entity"]["labels"],
            "entity_kind": raw["entity"]["kinds"],
            "timex_type": raw["date"]["types"],
            "quote_kind": raw["quote"]["kinds"],
            "factuality": raw["claim"]["factuality"],
            "claim_source": raw["claim"]["sources"],
            "relation": {k: v["description"] for k, v in raw["relation"].items()},
            "status": raw["provenance"]["status"],
        },
    )
