"""Self-contained HTML pages of annotated documents: one page per document and an index.

Layers overlap (quotes and claims contain entities and dates; quotes nest),
so the text is cut at every span boundary and rendered as properly nested
``<span>`` elements. A span that crosses another is split into several
segments; all segments of one span carry the same ``data-span-id``, and
together they hold exactly ``text[start:end]``. Speaker tags are CSS
generated content (``::after``), so they never become part of the text.

The pages use no network: CSS and JavaScript are inline. Each page carries a
Content-Security-Policy that admits exactly its own inline style and script
(by their sha256) and nothing else: no other script, no inline event handler,
no style attribute, no image, font or connection. A document URL is linked
only when it is http or https.
"""

from __future__ import annotations

import base64
import hashlib
import html
import urllib.parse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from corpus_pkg.labels import LAYERS, label_sets
from corpus_pkg.model import AnnotatedDocument, Span
from corpus_pkg.stats import label_key
from corpus_pkg.urls import web_url

# Outer first when two spans of different layers cover the same range.
LAYER_RANK = {"claim": 0, "quote": 1, "date": 2, "entity": 3}
LAYER_COLOURS = {"entity": "#bfe0ff", "date": "#c8f2c2", "quote": "#ffe9a8", "claim": "#8e44ad"}
LAYER_TITLES = {"entity": "Entity", "date": "Date (TIMEX3)", "quote": "Quote", "claim": "Claim"}
KEY_NAMES = {"entity": "entity type", "date": "TIMEX3 type", "quote": "quote kind", "claim": "claim factuality"}


def esc(text: str) -> str:
    """Escape text content; CR becomes a character reference because HTML parsing turns a literal CR into LF."""
    return html.escape(text, quote=False).replace("\r", "&#13;")


def attr(value: str) -> str:
    return html.escape(value, quote=True).replace("\r", "&#13;").replace("\n", "&#10;")


def page_name(doc_id: str) -> str:
    return f"{doc_id}.html"


# ---------------------------------------------------------------- span descriptions


def _speaker_names(doc: AnnotatedDocument, by_id: dict[str, Span]) -> dict[str, list[Span]]:
    """Quote or claim id -> the entity mentions it is linked to (speaker or claimant), in text order."""
    out: dict[str, list[Span]] = {}
    for r in doc.relations:
        if r.type in ("speaker", "claimant") and r.tail in by_id:
            out.setdefault(r.head, []).append(by_id[r.tail])
    for tails in out.values():
        tails.sort(key=lambda s: s.sort_key)
    return out


def describe(span: Span, linked: list[Span]) -> str:
    """The tooltip of a span: its label and attributes."""
    a = span.attributes
    if span.layer == "entity":
        parts = [span.label, str(a.get("kind", "")), f"cluster {a.get('cluster')}"]
        if a.get("qid"):
            parts.append(f"Wikidata {a['qid']}")
    elif span.layer == "date":
        parts = [f"{span.label} {a.get('type')}", f"value {a.get('value')}"]
    elif span.layer == "quote":
        names = ", ".join(f"“{s.text}”" for s in linked) or "unstated"
        parts = [f"{span.label} ({a.get('kind')})", f"speaker: {names}"]
    else:
        names = ", ".join(f"“{s.text}”" for s in linked) or "none (asserted by the outlet)"
        parts = [
            span.label,
            f"checkworthy: {'yes' if a.get('checkworthy') else 'no'}",
            f"factuality: {a.get('factuality')}",
            f"source: {a.get('source')}",
            f"claimants: {names}",
        ]
    if span.provenance.status != "gold":
        parts.append(f"status: {span.provenance.status}")
    return " · ".join(parts) + f" [{span.id}]"


# ---------------------------------------------------------------- the boundary sweep


@dataclass
class Segment:
    span: Span
    first: bool
    last: bool = False


@dataclass
class Markup:
    """The text cut into nested segments: ('open', Segment), ('close', Segment) and ('text', str) items."""

    items: list[tuple[str, Segment | str]] = field(default_factory=list)


def segment(text: str, spans: Iterable[Span]) -> Markup:
    """Nest the spans into well-formed segments by sweeping over every boundary in text order."""
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    starts: dict[int, list[Span]] = {}
    for s in spans:
        starts.setdefault(s.start, []).append(s)
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out = Markup()
    stack: list[Segment] = []

    def order(s: Span) -> tuple[int, int, str]:
        # Longer spans open first so they enclose shorter ones; ties by layer, then id.
        return (-s.end, LAYER_RANK.get(s.layer, 9), s.id)

    for i, pos in enumerate(bounds):
        reopen: list[Span] = []
        if any(seg.span.end == pos for seg in stack):
            # Close down to the deepest span that ends here; spans above it that go on are cut and reopened.
            while any(seg.span.end == pos for seg in stack):
                seg = stack.pop()
                if seg.span.end == pos:
                    seg.last = True
                else:
                    reopen.append(seg.span)
                out.items.append(("close", seg))
        for s in sorted(reopen + starts.get(pos, []), key=order):
            seg = Segment(s, first=s.start == pos)
            stack.append(seg)
            out.items.append(("open", seg))
        if i + 1 < len(bounds):
            out.items.append(("text", text[pos : bounds[i + 1]]))
    assert not stack, "every span closes at its end"
    return out


def _open_tag(seg: Segment, info: dict[str, dict[str, str]]) -> str:
    s = seg.span
    d = info[s.id]
    classes = ["hl", f"l-{s.layer}"]
    if seg.first:
        classes.append("first")
    if seg.last:
        classes.append("last")
    attrs = {
        "class": " ".join(classes),
        "data-span-id": s.id,
        "data-layer": s.layer,
        "data-label": s.label,
        "data-start": str(s.start),
        "data-end": str(s.end),
        "title": d["title"],
    }
    if s.layer == "date":
        attrs["data-value"] = str(s.attributes.get("value", ""))
        attrs["data-type"] = str(s.attributes.get("type", ""))
    if s.layer == "entity":
        attrs["data-cluster"] = str(s.attributes.get("cluster", ""))
    if s.layer == "quote":
        attrs["data-kind"] = str(s.attributes.get("kind", ""))
        attrs["data-speakers"] = d["links"]
        if seg.last:
            attrs["data-tag"] = f"— speaker: {d['names'] or 'unstated'}"
    if s.layer == "claim":
        attrs["data-checkworthy"] = "true" if s.attributes.get("checkworthy") else "false"
        attrs["data-factuality"] = str(s.attributes.get("factuality", ""))
        attrs["data-source"] = str(s.attributes.get("source", ""))
        attrs["data-claimants"] = d["links"]
    return "<span " + " ".join(f'{k}="{attr(v)}"' for k, v in attrs.items()) + ">"


def render_text(doc: AnnotatedDocument) -> str:
    """The document text as nested, escaped HTML with every span highlighted."""
    spans = [s for s in doc.spans if s.doc_id == doc.doc_id]
    by_id = {s.id: s for s in spans}
    links = _speaker_names(doc, by_id)
    info = {}
    for s in spans:
        linked = links.get(s.id, [])
        info[s.id] = {
            "title": describe(s, linked),
            "links": " ".join(t.id for t in linked),
            "names": ", ".join(t.text for t in linked),
        }
    parts = []
    for kind, item in segment(doc.document.text, spans).items:
        if kind == "text":
            parts.append(esc(item))  # type: ignore[arg-type]
        elif kind == "open":
            parts.append(_open_tag(item, info))  # type: ignore[arg-type]
        else:
            parts.append("</span>")
    return "".join(parts)


# ---------------------------------------------------------------- page parts

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header,main,footer{max-width:62rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.4rem;margin:.4rem 0}
nav a{margin-right:1rem}
.meta{color:#555;font-size:.9rem}
.controls{position:sticky;top:0;background:#fafafa;border-bottom:1px solid #ddd;padding:.5rem 0;z-index:2}
.legend span.sw{display:inline-block;width:1.1em;height:1em;vertical-align:middle;margin-right:.3em;border-radius:2px}
.legend label{margin-right:1.2rem;white-space:nowrap}
#doc{white-space:pre-wrap;line-height:2.1;font-family:Georgia,"Times New Roman",serif;font-size:1.05rem;
     background:#fff;border:1px solid #ddd;padding:1rem 1.2rem;overflow-wrap:anywhere}
.hl{border-radius:2px;cursor:pointer}
.l-quote{border-bottom:2px solid #d49a00}
.l-quote .l-quote{background:#ffd36b}
.l-quote.last::after{content:attr(data-tag);display:inline-block;font:italic .75rem/1.3 system-ui,sans-serif;
     color:#8a5a00;
     background:#fff7da;border:1px solid #e8c873;border-radius:3px;padding:0 .25em;margin-left:.2em}
.active{outline:2px solid #333}
.hl.speaker-hl{outline:3px solid #e67e22;background:#ffcf99}
.hide-entity .l-entity,.hide-date .l-date{background:none}
.hide-quote .l-quote{background:none;border-bottom:none}
.hide-quote .l-quote.last::after{content:none}
.hide-claim .l-claim{text-decoration:none}
.hide-entity .l-entity,.hide-date .l-date,.hide-quote .l-quote,.hide-claim .l-claim{cursor:auto}
#details{font-size:.9rem;background:#fff;border:1px solid #ddd;padding:.5rem 1rem;min-height:1.5rem}
#details li{margin:.2rem 0}
table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border:1px solid #ddd;padding:.2rem .6rem;text-align:left}
td.n{text-align:right}
""" + (
    "".join(f".sw-{layer}{{background:{colour}}}\n" for layer, colour in LAYER_COLOURS.items())
    + f".l-entity{{background:{LAYER_COLOURS['entity']}}}\n.l-date{{background:{LAYER_COLOURS['date']}}}\n"
    f".l-quote{{background:{LAYER_COLOURS['quote']}}}\n"
    # An underline is drawn across nested highlights; an inset shadow would be hidden by them.
    f".l-claim{{text-decoration:underline 3px {LAYER_COLOURS['claim']};text-underline-offset:5px}}\n"
)

JS = """
(function(){
  var docEl=document.getElementById('doc');
  function segs(id){return docEl.querySelectorAll('[data-span-id="'+CSS.escape(id)+'"]');}
  function mark(ids,cls,on){ids.forEach(function(id){segs(id).forEach(function(e){e.classList.toggle(cls,on);});});}
  function linked(el){
    var ids=(el.getAttribute('data-speakers')||el.getAttribute('data-claimants')||'').split(' ');
    return ids.filter(function(x){return x;});
  }
  var current=null;
  function show(el,on){
    if(!el)return;
    mark([el.getAttribute('data-span-id')],'active',on);
    mark(linked(el),'speaker-hl',on);
  }
  docEl.addEventListener('mouseover',function(ev){
    var el=ev.target.closest('[data-layer="quote"],[data-layer="claim"]');
    if(el===current)return;
    show(current,false);current=el;show(current,true);
  });
  docEl.addEventListener('mouseleave',function(){show(current,false);current=null;});
  docEl.addEventListener('click',function(ev){
    var list=document.getElementById('details');
    var items=[];var el=ev.target.closest('[data-span-id]');
    while(el&&docEl.contains(el)){items.push(el);el=el.parentElement.closest('[data-span-id]');}
    list.textContent='';
    items.forEach(function(e){var li=document.createElement('li');li.textContent=e.title;list.appendChild(li);});
    var q=ev.target.closest('[data-layer="quote"]');
    if(q){var ids=linked(q);if(ids.length){var s=segs(ids[0]);if(s.length){s[0].scrollIntoView({block:'center'});}}}
  });
  document.querySelectorAll('input[data-toggle]').forEach(function(cb){
    cb.addEventListener('change',function(){docEl.classList.toggle('hide-'+cb.getAttribute('data-toggle'),!cb.checked);});
  });
})();
"""


def csp_source(content: str) -> str:
    """The CSP hash source of an inline ``<script>`` or ``<style>`` element's exact content."""
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(script: str = "") -> str:
    """Only the page's own inline style and script apply; nothing is loaded, and no form or <base> points away."""
    scripts = csp_source(script) if script else "'none'"
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            f"style-src {csp_source(CSS)}",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _page(title: str, body: str, script: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{attr(content_security_policy(script))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n{js}\n</body>\n</html>\n"
    )


def legend(toggles: bool = True) -> str:
    ls = label_sets()
    hints = {
        "entity": "OntoNotes type, kind, cluster, Wikidata QID on hover",
        "date": f"{ls.date_label}: type and normalized value on hover",
        "quote": f"{ls.quote_label}: hover to highlight the speaker; the tag names it",
        "claim": f"{ls.claim_label}: check-worthiness, factuality, source and claimants on hover",
    }
    parts = []
    for layer in LAYERS:
        # A class, not a style attribute: the page's policy refuses inline style attributes.
        sw = f'<span class="sw sw-{layer}"></span>'
        box = f'<input type="checkbox" checked data-toggle="{layer}"> ' if toggles else ""
        parts.append(f'<label title="{attr(hints[layer])}">{box}{sw}{esc(LAYER_TITLES[layer])}</label>')
    return '<div class="legend">' + "".join(parts) + "</div>"


def counts(doc_spans: list[Span]) -> dict[str, Counter]:
    """Layer -> Counter of labels (span.label) and of the counted attribute (stats.label_key)."""
    out: dict[str, Counter] = {layer: Counter() for layer in LAYERS}
    for s in doc_spans:
        out[s.layer][label_key(s)] += 1
    return out


def summary_table(docs: list[AnnotatedDocument]) -> str:
    spans = [s for d in docs for s in d.spans]
    by_layer = counts(spans)
    labels = Counter((s.layer, s.label) for s in spans)
    rels = Counter(r.type for d in docs for r in d.relations)
    rows = []
    for layer in LAYERS:
        total = sum(by_layer[layer].values())
        rows.append(
            f'<tr class="layer" data-layer="{layer}"><th>{esc(LAYER_TITLES[layer])}</th><th></th>'
            f'<th class="n" data-count="{total}">{total}</th></tr>'
        )
        for (lay, label), n in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])):
            if lay == layer and layer != "entity":
                rows.append(f'<tr><td></td><td>label {esc(label)}</td><td class="n">{n}</td></tr>')
        for key, n in sorted(by_layer[layer].items(), key=lambda kv: (-kv[1], str(kv[0]))):
            rows.append(
                f'<tr data-layer="{layer}" data-label="{attr(str(key))}"><td></td>'
                f'<td>{esc(KEY_NAMES[layer])} {esc(str(key))}</td><td class="n">{n}</td></tr>'
            )
    for t, n in sorted(rels.items()):
        rows.append(
            f'<tr class="relation" data-relation="{attr(t)}"><th>relation {esc(t)}</th><th></th>'
            f'<th class="n">{n}</th></tr>'
        )
    return (
        '<table class="summary"><thead><tr><th>layer</th><th>label</th><th>count</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def source_link(url: str) -> str:
    """A link to the document's source when it is a web URL; anything else (javascript:, data:...) is shown as text."""
    if web_url(url):
        return f'<a href="{attr(url)}" rel="noreferrer">source</a>'
    return f"source: <code>{esc(url)}</code>"


def render_document(doc: AnnotatedDocument, *, index_href: str | None = "index.html") -> str:
    d = doc.document
    meta = [f"<code>{esc(d.doc_id)}</code>"]
    for label, value in (
        ("publisher", d.publisher),
        ("author", d.author),
        ("published", d.published),
        ("document creation time", d.dct),
    ):
        if value:
            meta.append(f"{label}: {esc(value)}")
    if d.url:
        meta.append(source_link(d.url))
    meta.append(f"{len(d.text)} characters; sha256 <code>{esc(d.sha256[:12])}</code>")
    nav = f'<nav><a href="{attr(index_href)}">← all documents</a></nav>' if index_href else ""
    body = f"""<header>{nav}
<h1>{esc(d.title or d.doc_id)}</h1>
<p class="meta">{" · ".join(meta)}</p>
</header>
<main>
<div class="controls">{legend()}</div>
<div id="doc" data-doc-id="{attr(d.doc_id)}">{render_text(doc)}</div>
<h2>Selected</h2>
<ul id="details"><li>Click a highlight to list every annotation at that point.</li></ul>
<h2>Counts</h2>
{summary_table([doc])}
</main>"""
    return _page(d.title or d.doc_id, body, JS)


def render_index(docs: list[AnnotatedDocument]) -> str:
    rows = []
    for doc in docs:
        c = Counter(s.layer for s in doc.spans)
        cells = "".join(f'<td class="n">{c[layer]}</td>' for layer in LAYERS)
        href = urllib.parse.quote(page_name(doc.doc_id))
        title = doc.document.title or doc.doc_id
        rows.append(
            f'<tr><td><a href="{attr(href)}">{esc(title)}</a><br><code>{esc(doc.doc_id)}</code></td>'
            f'{cells}<td class="n">{len(doc.relations)}</td></tr>'
        )
    head = "".join(f"<th>{esc(LAYER_TITLES[layer])}</th>" for layer in LAYERS)
    body = f"""<header><h1>Annotated documents</h1>
<p class="meta">{len(docs)} documents. Each page shows the text with its layers highlighted.</p></header>
<main>
{legend(toggles=False)}
<table class="documents"><thead><tr><th>document</th>{head}<th>relations</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>Counts over these documents</h2>
{summary_table(docs)}
</main>"""
    return _page("Annotated documents", body)


def render_corpus(docs: list[AnnotatedDocument], out_dir: Path) -> list[Path]:
    """Write one page per document and index.html into ``out_dir``; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs = sorted(docs, key=lambda d: d.doc_id)
    written = []
    for doc in docs:
        path = out_dir / page_name(doc.doc_id)
        path.write_text(render_document(doc.sorted()), encoding="utf-8")
        written.append(path)
    index = out_dir / "index.html"
    index.write_text(render_index(docs), encoding="utf-8")
    written.append(index)
    return written
