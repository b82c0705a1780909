"""The dataset card: the README.md of ``dataset/``, its YAML front matter and its text.

The YAML follows the Hub's conventions (configs with their data files, features
and split sizes, license, language, task categories, size category); the text
follows the sections of the Hub's dataset card template. Both are generated
from the label declaration and the built tables, never edited by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corpus_pkg.hf import (
    CONFIGS,
    DATASHEET,
    DEFAULT_CONFIG,
    DESCRIPTIONS,
    SPLIT,
    _features_module,
    data_files_pattern,
    features,
)
from corpus_pkg.labels import label_sets
from corpus_pkg.tables import PARQUET_OPTIONS
from corpus_pkg.version import __version__

# `datasets` reads Parquet in batches of the first row group's row count, so a later, larger row group
# is cut in two, and every batch costs a cast and a rebuild of the features' Arrow schema. At the largest
# row group any file may hold, each row group is one batch: half the batches of a cold load, same memory.
READ_BATCH_ROWS: int = PARQUET_OPTIONS["row_group_size"]


def _size_category(n: int) -> str:
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < limit:
            return name
    return "10M<n<100M"


def _check_version(version: str) -> str:
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"datasets needs a config version x.y.z; corpus_pkg.__version__ is {version!r}")
    return version


@dataclass(frozen=True)
class ConfigStats:
    """What the card says of one config, summed over its shards."""

    rows: int
    nbytes: int
    fingerprint: str
    shards: int


# (doc_id, publisher, author, published, text sha256) of each document, for the card's source table.
Source = tuple[str, str | None, str | None, str | None, str]
# Above this many documents the card names the documents config instead of listing every source.
SOURCES_LISTED = 1_000


def card_yaml(stats: dict[str, ConfigStats]) -> dict[str, Any]:
    version = _check_version(__version__)
    configs = []
    infos = []
    for config in CONFIGS:
        st = stats[config]
        entry: dict[str, Any] = {
            "config_name": config,
            "version": version,
            "description": f"{DESCRIPTIONS[config]} Data fingerprint xxh3_128:{st.fingerprint}",
            "data_files": [{"split": SPLIT, "path": data_files_pattern(config, st.shards)}],
            "batch_size": READ_BATCH_ROWS,
        }
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        configs.append(entry)
        infos.append(
            {
                "config_name": config,
                "features": features(config)._to_yaml_list(),
                "splits": [{"name": SPLIT, "num_bytes": st.nbytes, "num_examples": st.rows}],
                "dataset_size": st.nbytes,
            }
        )
    return {
        "pretty_name": "Kim-Putin Summit News: entities, dates, quotes and claims",
        "language": ["en"],
        "license": "cc-by-4.0",
        "annotations_creators": ["machine-generated"],  # every pass and the adjudication: model sessions
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "size_categories": [_size_category(max(st.rows for st in stats.values()))],
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "fact-checking"],
        "tags": [
            "news",
            "quotation-attribution",
            "claim-detection",
            "timex3",
            "ontonotes",
            "coreference",
            "entity-linking",
        ],
        "configs": configs,
        "dataset_info": infos,
    }


def _label_table(title: str, names: dict[str, str]) -> str:
    lines = [f"| {title} | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {v.replace('|', '/')} |" for k, v in names.items()]
    return "\n".join(lines)


def _field_list(config: str) -> str:
    lines = []
    for name, feat in features(config).items():
        lines.append(f"- `{name}`: {_describe(feat)}")
    return "\n".join(lines)


def _describe(feat: Any) -> str:
    d = _features_module()
    if isinstance(feat, d.ClassLabel):
        names = feat.names if len(feat.names) <= 8 else [*feat.names[:6], "..."]
        return "ClassLabel(" + ", ".join(names) + ")"
    if isinstance(feat, d.Value):
        return feat.dtype
    if isinstance(feat, d.List):
        return f"list of {_describe(feat.feature)}"
    if isinstance(feat, dict):
        return "{" + ", ".join(f"{k}: {_describe(v)}" for k, v in feat.items()) + "}"
    return type(feat).__name__


def source_of(document: dict[str, Any]) -> Source:
    """What the card lists of a document, from its record."""
    d = document.get
    return (d("doc_id"), d("publisher"), d("author"), d("published"), d("sha256"))


def _source_table(sources: list[Source]) -> str:
    if len(sources) > SOURCES_LISTED:
        return (
            f"| *{len(sources)} documents* | | | | |\n\nThe publisher, author, publication date and text sha256 "
            "of every document are in the `documents` config."
        )
    return "\n".join(
        f"| `{doc_id}` | {publisher or 'unknown'} | {author or 'unknown'} "
        f"| {published or 'not stated'} | `{sha[:12]}` |"
        for doc_id, publisher, author, published, sha in sources
    )


def card_body(
    stats: dict[str, ConfigStats],
    sources: list[Source],
    n_rel: int,
    datasheet: bool = False,
    agreement: str | None = None,
) -> str:
    """The card's Markdown, in the sections of the Hub's dataset card template (datasetcard_template.md).

    ``agreement`` is the agreement paragraph (the datasheet's generated ``agreement-headline`` block, so the
    card and the datasheet state the same figures); without it the card points to the datasheet.
    """
    agreement_text = (agreement.strip() + "\n\n") if agreement else ""
    ls = label_sets()
    counts = "\n".join(f"| `{c}` | {stats[c].rows} | {DESCRIPTIONS[c]} |" for c in CONFIGS)
    fields = "\n\n".join(f"#### `{c}`\n\n{_field_list(c)}" for c in CONFIGS)
    source_table = _source_table(sources)
    sheet = (
        f"[`{DATASHEET}`]({DATASHEET}) (after Gebru et al., *Datasheets for Datasets*; shipped beside this card)"
        if datasheet
        else "the corpus datasheet (`DATASHEET.md` in the corpus-pkg repository)"
    )
    return f"""# Dataset Card for Kim-Putin Summit News: entities, dates, quotes and claims

{len(sources)} English news articles on the September 2023 meeting of Kim Jong Un and Vladimir Putin at the
Vostochny Cosmodrome, annotated exhaustively with four span layers (named entities, time expressions,
attributed quotes, check-worthy claims) and the relations from quotes to their speakers and from claims
to their claimants. Version {__version__}. The full documentation of the data is {sheet}: this card
summarizes it.

## Dataset Details

### Dataset Description

- **entities**: OntoNotes 5.0 types, names only plus the nominals and pronouns needed as speakers or
  claimants (`kind` NAM/NOM/PRO), a corpus-wide coreference `cluster` and an optional Wikidata `qid`;
- **dates**: TimeML TIMEX3 with `type`, an ISO-8601 `value` normalized against the document creation time
  and an optional `mod` ("more than four years": MORE_THAN);
- **quotes**: attributions (PARC 3.0 content spans) and their sources: direct, indirect or mixed reported
  speech, and beliefs and noun-phrase contents with a stated source (`kind` belief, nominal; filter them out
  for quote extraction only);
- **claims**: check-worthy factual claims (ClaimBuster), FactBank factuality, and their claimants.

{n_rel} relations link quotes to speakers and claims to claimants.

- **Curated by:** the maintainers of corpus-pkg
- **Funded by:** no external funding
- **Language(s):** English (`en`)
- **License:** annotations CC BY 4.0; the texts remain their publishers' (see *Source Data*)

### Dataset Sources

- **Repository:** the corpus-pkg repository, which holds the annotation sources (`annotations/`), the
  guidelines (`annotations/GUIDELINES.md`), the JSON Schemas and the code that builds this folder
  (`corpus build`) and round-trips it through Label Studio (`corpus ls`).

## Uses

### Direct Use

Evaluating span extraction on news text: NER with OntoNotes types, TIMEX3 detection and normalization,
quote extraction with speaker attribution, claim detection with factuality; testing annotation tooling and
offset handling; teaching annotation guidelines.

```python
from datasets import load_dataset
ds = load_dataset("PATH_OR_REPO", "quotes")   # or: import corpus_pkg; corpus_pkg.load("quotes")
ds["{SPLIT}"].features["kind"].int2str(ds["{SPLIT}"][0]["kind"])
```

### Out-of-Scope Use

Training a production model on it alone; drawing conclusions about the summit, the outlets or the truth of
any claim (claims are annotated as made, not verified; factuality is the source's commitment, not truth);
measuring media bias or stance; any use that treats the people named as data subjects.

## Dataset Structure

| config | rows | content |
|---|---|---|
{counts}

`documents` is the default config. A config with 0 rows (a layer not annotated yet) keeps its declared
features and an empty Parquet file; `datasets` 5.2 cannot load an empty split (huggingface/datasets#8401),
so `load_dataset` fails on it while `corpus_pkg.load` returns it empty.

Offsets everywhere are 0-based, end-exclusive **Unicode code point** indices into the document's `text`
(Python `str` indices; W3C Web Annotation and Label Studio count the same way; UTF-8 bytes and UTF-16
units differ). For every span `text == document_text[start:end]`.

### Split

One split, `{SPLIT}`. Five articles are too few to train on and too few to split further without a
split of one article; the corpus is an evaluation set for models trained elsewhere (OntoNotes, PARC,
ClaimBuster, TempEval). Documents, not spans, are the unit: all rows of an article are in the same split.

### The `ner` view

Rows are sentences (spaCy `sentencizer`, plus a break at every line break, since titles and captions
end without punctuation); a sentence boundary that would cut an entity is dropped. Tokens come from
`spacy.blank("en")` with three extra splits for scraped text (footnote superscripts, a trailing `/`, and a
lower-to-upper case change after two lowercase letters, as in a breadcrumb glued to a title:
`HomeWorld|Putin`); whitespace tokens are left out, and `token_starts`/`token_ends` are offsets into the
whole document text, so a row maps back to `documents` directly. Tags are IOB2 over the **gold**
entities only (spans with `provenance.status == "gold"`). The other configs hold gold spans and relations
too, unless the build was made with `corpus build --include prediction` (or `submitted`): those then carry
their status and score. Every gold entity lies on token boundaries: the build refuses a corpus where it
does not, rather than move or drop the span.

### Fields

{fields}

Every span and relation carries `provenance`: annotator, tool, tool_version, `status` (gold =
adjudicated human annotation; prediction = a model or a single unadjudicated pass; submitted = an
annotator's work not yet accepted by a maintainer) and an optional score. A build publishes gold only
unless it is asked to include another status.

### Labels

{_label_table("entity type", ls.descriptions["entity"])}

{_label_table("entity kind", ls.descriptions["entity_kind"])}

{_label_table("TIMEX3 type", ls.descriptions["timex_type"])}

{_label_table("quote kind", ls.descriptions["quote_kind"])}

{_label_table("factuality", ls.descriptions["factuality"])}

{_label_table("claim source", ls.descriptions["claim_source"])}

{_label_table("relation", ls.descriptions["relation"])}

## Dataset Creation

### Curation Rationale

A small, exhaustively annotated and fully reproducible corpus on one event, with four layers that are
usually annotated separately, so that entity, date, quote and claim systems can be evaluated on the same
text and tools can be tested for exact offsets through every conversion.

### Source Data

#### Data Collection and Processing

The texts were supplied as UTF-8 text files and are kept exactly as decoded: no stripping, no Unicode
normalization, no line-ending changes; each document records its source file and the sha256 of its text.
Metadata (title, publisher, author, dates) is taken from the text only and left null where the text does
not state it. Each document's creation time, against which dates are normalized, is decided from its own
text; the judgement calls are written down in the datasheet.

#### Who are the source data producers?

| doc_id | publisher | author | published | text sha256 |
|---|---|---|---|---|
{source_table}

The **texts** are third-party news articles and analyses; their copyright stays with their publishers and
authors and CC BY 4.0 does not apply to them. They are included verbatim (so that offsets are exact and each
text's sha256 identifies its source) for research on information extraction; reuse of the texts themselves
is subject to their owners' terms. The **annotations** (spans, attributes, relations, metadata written by
the annotators) are released under [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/).

### Annotations

#### Annotation process

Guidelines grounded in OntoNotes 5.0, TimeML TIMEX3, PARC 3.0, ClaimBuster/CLEF CheckThat! and FactBank
were written first. Every pass is made in an offset-free draft format (surface text plus context, resolved
to offsets and checked by code). The gold of release 0.1.0 was adjudicated from two passes made from the
first revision of the guidelines, which quoted these texts as examples; a third pass, made independently
from the revised guidelines alone, measures agreement (figures and the disagreement table in the
datasheet). Release 0.2.0 adjudicated each of its disagreements with the gold by the revised guidelines
(`annotations/passes/c/ADJUDICATION.md`) and applied them as correction batches.

{agreement_text}New documents can be pre-annotated with `corpus predict`, whose suggestions a person accepts or fixes: a
gazetteer of the gold names (scored leave-one-document-out) reaches strict span F1 0.81 on the entities and
HeidelTime 0.79 on the dates, every matched date value right (`benchmarks/predict.py`, in BENCHMARKS.md).

#### Who are the annotators?

No pass was made by a human annotator. Passes a and b, from which the gold of release 0.1.0 was
adjudicated, were made by large-language-model annotator sessions (the model was not recorded) from
guidelines revision 1; they are not independent. Pass c, the independent one, was made by a language
model, Claude (Anthropic), in a separate session that saw only the five texts and guidelines revision 2,
never the gold or the earlier passes. The adjudication of pass c into release 0.2.0 was also made by a
language-model session (Claude, Anthropic) that saw both sides; no person adjudicated. Each span's
`provenance` names its annotator and status.

#### Personal and Sensitive Information

No confidential data. The texts name public figures (heads of state, ministers, officials), journalists
and photographers in their professional roles; one author bio gives its author's education. The texts
report on weapons trade, sanctions and war, and some take political positions.

## Bias, Risks, and Limitations

Five articles, one event, English only, mostly Western or Western-based outlets, one opinion piece; entity
and date distributions are dominated by a handful of referents (Kim, Putin, Russia, North Korea). The
agreement of passes a and b overstates agreement: the guidelines they followed used these documents as
examples and both were made by the same kind of annotator. The independent pass is a model's, not a
person's: its agreement with the gold says how reproducible the guidelines are for such an annotator, and
may differ from what two human annotators would reach.

### Recommendations

Use it to evaluate, not to train; report results per layer and per document; read the datasheet's
sections on the sources' oddities (mixed quote marks, page dates, captions, footnote markers) before
drawing conclusions from errors on them.

## Citation

```bibtex
@misc{{kim_putin_summit_news_{__version__.replace(".", "_")},
  title  = {{Kim-Putin Summit News: entities, dates, quotes and claims}},
  author = {{{{corpus-pkg maintainers}}}},
  note   = {{Version {__version__}}}
}}
```

## More Information

### Versioning and caching

Each config carries `version: {__version__}` (the corpus_pkg version), with semantic versioning for data:
major for schema breaks, minor for added annotations, patch for corrections. The data files are
content-checked by `MANIFEST` (`sha256sum -c MANIFEST`). Each config's `description` ends with a
fingerprint of its rows: `datasets` keys its cache of a local folder on this YAML and not on the data files,
so without the fingerprint an edited annotation could be served from a stale cache. The folder is generated
by `corpus build`; do not edit it by hand.

## Dataset Card Contact

The maintainers of corpus-pkg, through the issue tracker of its repository.
"""
