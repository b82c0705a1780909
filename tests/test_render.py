"""HTML pages of annotated documents: every span findable, its text intact, markup escaped."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import CHROMIUM, CHROMIUM_FLAGS, write_corpus
from hypothesis import given
from strategies import PROV, annotated_documents

from corpus_pkg.cli import main
from corpus_pkg.model import AnnotatedDocument, Document, Relation, make_span
from corpus_pkg.project import annotations_dir
from corpus_pkg.render import page_name, render_corpus, render_document, render_index, render_text
from corpus_pkg.storage import load_corpus

# Text that breaks naive renderers: markup characters, both quote styles, astral and ZWJ emoji, combining
# marks, a flag, CRLF, NO-BREAK SPACE, leading blank lines.
TRICKY_TEXT = (
    "\n\n<b>Summit</b> & \"talks\" — 'Kim' 🚀\r\n"
    "Kim Jong Un said: “Russia & North Korea <will> stand 👩‍🚀 together,” "
    "adding that Pute\u0301in \"said 'never' first\".\u00a0"
    "𝐊𝐢𝐦 met Putin on September 13, 2023 🇰🇵 at Vostochny.\n"
)


def _tricky_doc() -> AnnotatedDocument:
    doc = Document.from_text("tricky-doc", TRICKY_TEXT, "generated.txt", title='<i>Tricky</i> & "escaped"')
    t = doc.text

    def at(sub: str, n: int = 0, extra: int = 0) -> tuple[int, int]:
        start = -1
        for _ in range(n + 1):
            start = t.index(sub, start + 1)
        return start, start + len(sub) + extra

    specs = [
        # id suffix, layer, (start, end), label, attributes
        ("e001", "entity", at("Kim Jong Un"), "PERSON", {"kind": "NAM", "cluster": "kim-jong-un", "qid": "Q56226"}),
        ("e002", "entity", at("Russia"), "GPE", {"kind": "NAM", "cluster": "russia"}),
        ("e003", "entity", at("North Korea"), "GPE", {"kind": "NAM", "cluster": "north-korea"}),
        ("e004", "entity", at("Pute\u0301in"), "PERSON", {"kind": "NAM", "cluster": '<putin> & "co"'}),
        # Ends between a letter and its combining accent.
        (
            "e005",
            "entity",
            (t.index("Pute\u0301in"), t.index("Pute\u0301in") + 4),
            "PERSON",
            {"kind": "NAM", "cluster": "vladimir-putin"},
        ),
        ("e006", "entity", at("𝐊𝐢𝐦"), "PERSON", {"kind": "NAM", "cluster": "kim-jong-un"}),
        ("e007", "entity", at("<b>Summit</b>"), "EVENT", {"kind": "NAM", "cluster": "summit"}),
        ("e008", "entity", at("🇰🇵"), "GPE", {"kind": "NAM", "cluster": "north-korea"}),
        ("d001", "date", at("September 13, 2023"), "TIMEX3", {"type": "DATE", "value": "2023-09-13"}),
        # A direct quote containing entities and an emoji.
        (
            "q001",
            "quote",
            at("Russia & North Korea <will> stand 👩‍🚀 together,"),
            "QUOTE",
            {"kind": "direct", "speaker_stated": True},
        ),
        # Nested quotes.
        ("q002", "quote", at("said 'never' first"), "QUOTE", {"kind": "mixed", "speaker_stated": True}),
        ("q003", "quote", at("never"), "QUOTE", {"kind": "direct", "speaker_stated": False}),
        # A claim that crosses the first quote's end and the CRLF-bearing line: forces split segments.
        (
            "c001",
            "claim",
            (t.index("stand 👩‍🚀"), t.index("adding") + 6),
            "CLAIM",
            {"checkworthy": True, "factuality": "PR+", "source": "attributed"},
        ),
        (
            "c002",
            "claim",
            (t.index("'Kim'"), t.index("Kim Jong Un") + 3),
            "CLAIM",
            {"checkworthy": False, "factuality": "Uu", "source": "outlet"},
        ),
        # Same range in two layers.
        (
            "c003",
            "claim",
            at("September 13, 2023"),
            "CLAIM",
            {"checkworthy": True, "factuality": "CT+", "source": "outlet"},
        ),
    ]
    spans = [
        make_span(
            doc, id=f"{doc.doc_id}-{sid}", layer=layer, start=s, end=e, label=label, attributes=attrs, provenance=PROV
        )
        for sid, layer, (s, e), label, attrs in specs
    ]
    rels = [
        Relation("tricky-doc-r001", doc.doc_id, "speaker", "tricky-doc-q001", "tricky-doc-e001", PROV),
        Relation("tricky-doc-r002", doc.doc_id, "speaker", "tricky-doc-q002", "tricky-doc-e004", PROV),
        Relation("tricky-doc-r003", doc.doc_id, "claimant", "tricky-doc-c001", "tricky-doc-e001", PROV),
    ]
    return AnnotatedDocument(doc, spans, rels).sorted()


def _pass_a_docs() -> list[AnnotatedDocument]:
    """The first annotation pass, resolved: real spans while the adjudicated corpus may still be empty."""
    from corpus_pkg.documents import resolve_draft_folder

    folder = annotations_dir() / "passes" / "a"
    return resolve_draft_folder(folder) if folder.is_dir() and any(folder.glob("*.json")) else []


class _Segments(HTMLParser):
    """Collects, per data-span-id, the text inside its elements, and the whole text of #doc."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str | None] = []
        self.in_doc = 0
        self.texts: dict[str, str] = {}
        self.attrs: dict[str, set[tuple[str, str]]] = {}
        self.doc_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id") == "doc":
            self.in_doc = 1
            self.stack = []
            return
        if self.in_doc:
            sid = a.get("data-span-id")
            self.stack.append(sid)
            if sid is not None:
                self.texts.setdefault(sid, "")
                self.attrs.setdefault(sid, set()).add((a.get("data-layer") or "", a.get("data-label") or ""))

    def handle_endtag(self, tag: str) -> None:
        if self.in_doc:
            if self.stack:
                self.stack.pop()
            else:
                self.in_doc = 0

    def handle_data(self, data: str) -> None:
        if self.in_doc:
            self.doc_text += data
            for sid in set(self.stack):
                if sid is not None:
                    self.texts[sid] += data


def _parse(page: str) -> _Segments:
    p = _Segments()
    p.feed(page)
    p.close()
    return p


# ---------------------------------------------------------------- pure tests


def test_markup_in_texts_titles_and_attributes_is_escaped():
    doc = _tricky_doc()
    page = render_document(doc)
    assert "<b>Summit</b>" not in page
    assert "&lt;b&gt;Summit&lt;/b&gt;" in page
    assert "&lt;will&gt;" in page
    assert "<i>Tricky</i>" not in page and "&lt;i&gt;Tricky&lt;/i&gt;" in page
    # An attribute value with quotes and brackets cannot close its attribute or tag.
    assert 'data-cluster="&lt;putin&gt; &amp; &quot;co&quot;"' in page
    assert "\r" not in page  # a literal CR would be read back as LF
    assert _parse(page).doc_text == doc.document.text


def test_every_span_of_the_tricky_document_is_findable_with_its_exact_text():
    doc = _tricky_doc()
    parsed = _parse(render_document(doc))
    assert parsed.texts == {s.id: s.text for s in doc.spans}
    assert parsed.attrs == {s.id: {(s.layer, s.label)} for s in doc.spans}


def test_a_claim_that_crosses_a_quote_is_split_into_segments_that_share_its_id():
    doc = _tricky_doc()
    body = render_text(doc)
    assert body.count('data-span-id="tricky-doc-c001"') > 1
    assert body.count('data-span-id="tricky-doc-q001"') >= 1


@given(annotated_documents())
def test_any_generated_document_renders_every_span_with_its_exact_text(doc):
    parsed = _parse(render_document(doc))
    assert parsed.doc_text == doc.document.text
    assert parsed.texts == {s.id: s.text for s in doc.spans}


def test_the_summary_counts_spans_per_layer_and_label():
    doc = _tricky_doc()
    page = render_document(doc)
    assert '<tr class="layer" data-layer="entity"><th>Entity</th><th></th><th class="n" data-count="8">8</th>' in page
    assert '<tr class="layer" data-layer="claim"><th>Claim</th><th></th><th class="n" data-count="3">3</th>' in page
    assert '<td>entity type PERSON</td><td class="n">4</td>' in page
    assert '<td>quote kind direct</td><td class="n">2</td>' in page
    assert 'data-relation="speaker"><th>relation speaker</th><th></th><th class="n">2</th>' in page


def test_the_render_command_writes_a_page_per_requested_document_and_an_index(tmp_path):
    docs = _pass_a_docs() or load_corpus()
    root = write_corpus(tmp_path / "annotations", docs)
    out = tmp_path / "pages"
    wanted = docs[0].doc_id
    result = CliRunner().invoke(main, ["render", wanted, "--out", str(out), "--annotations", str(root)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([page_name(wanted), "index.html"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{page_name(wanted)}"' in index


def test_the_render_command_refuses_an_unknown_document(tmp_path):
    root = write_corpus(tmp_path / "annotations", load_corpus())
    result = CliRunner().invoke(
        main, ["render", "no-such-doc", "--out", str(tmp_path / "o"), "--annotations", str(root)]
    )
    assert result.exit_code == 2
    assert "no-such-doc" in result.output
    assert not (tmp_path / "o").exists()


def _with_url(doc: AnnotatedDocument, url: str) -> AnnotatedDocument:
    return AnnotatedDocument(dataclasses.replace(doc.document, url=url), doc.spans, doc.relations)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every <script> and <style> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data


def _tags(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    p.close()
    return p


def _policy(page: str) -> dict[str, list[str]]:
    (meta,) = [a for t, a in _tags(page).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (meta["content"] or "").split(";") if d.strip()}


def _sha256_source(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode() + "'"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "http:alert(1)",
        "not a url",
    ],
)
def test_a_url_that_is_not_http_or_https_is_never_linked_and_is_shown_as_escaped_text(url):
    page = render_document(_with_url(_tricky_doc(), url))
    hrefs = [a.get("href") for t, a in _tags(page).tags if t == "a"]
    assert hrefs == ["index.html"], hrefs
    assert f"<code>{html.escape(url, quote=False)}</code>" in page
    assert "<script>alert" not in page


def test_a_javascript_url_is_never_linked():
    page = render_document(_with_url(_tricky_doc(), "javascript:alert(1)"))
    assert 'href="javascript' not in page.lower()
    assert "source: <code>javascript:alert(1)</code>" in page


@pytest.mark.parametrize("url", ['https://www.example.org/news/1?a=1&b="2"', "HTTP://example.org/x"])
def test_an_http_or_https_url_is_linked_with_its_value_escaped(url):
    page = render_document(_with_url(_tricky_doc(), url))
    links = [a for t, a in _tags(page).tags if t == "a" and a.get("rel") == "noreferrer"]
    assert [a["href"] for a in links] == [url]
    assert f'href="{html.escape(url, quote=True)}"' in page


def test_every_page_admits_only_its_own_inline_script_and_style_by_hash():
    doc = _tricky_doc()
    for page, has_script in ((render_document(doc), True), (render_index([doc]), False)):
        tags = _tags(page)
        policy = _policy(page)
        assert policy["default-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
        assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
        (style,) = tags.raw["style"]
        assert policy["style-src"] == [_sha256_source(style)]
        if has_script:
            (script,) = tags.raw["script"]
            assert policy["script-src"] == [_sha256_source(script)]
        else:
            assert tags.raw["script"] == [] and policy["script-src"] == ["'none'"]
        # Nothing the policy refuses is in the page itself: no style attribute, no event handler.
        for tag, attrs in tags.tags:
            bad = [k for k in attrs if k == "style" or re.fullmatch(r"on[a-z]+", k)]
            assert not bad, (tag, attrs)


# ---------------------------------------------------------------- in a real browser

JS_SEGMENTS = """() => {
  const out = {};
  for (const el of document.querySelectorAll('#doc [data-span-id]')) {
    const id = el.getAttribute('data-span-id');
    const o = out[id] || (out[id] = {text: '', layers: [], labels: []});
    o.text += el.textContent;
    o.layers.push(el.getAttribute('data-layer'));
    o.labels.push(el.getAttribute('data-label'));
  }
  return {spans: out, doc: document.getElementById('doc').textContent};
}"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, list[tuple[Path, AnnotatedDocument]]]:
    """Pages of the tricky document and pass A (under pass-a/) and of the corpus (under corpus/)."""
    out = tmp_path_factory.mktemp("pages")
    pages = []
    for folder, docs in (("pass-a", [_tricky_doc(), *_pass_a_docs()]), ("corpus", load_corpus())):
        render_corpus(docs, out / folder)
        pages += [(out / folder / page_name(d.doc_id), d) for d in docs]
    return out, pages


def _check_page(page, path: Path, doc: AnnotatedDocument) -> None:
    page.goto(path.as_uri())
    got = page.evaluate(JS_SEGMENTS)
    assert got["doc"] == doc.document.text
    assert len(got["spans"]) == len(doc.spans)
    for s in doc.spans:
        seen = got["spans"][s.id]
        assert seen["text"] == s.text, s.id
        assert set(seen["layers"]) == {s.layer} and set(seen["labels"]) == {s.label}, s.id


@pytest.mark.browser
def test_in_chromium_every_span_of_every_page_is_highlighted_with_its_exact_text(browser, rendered):
    _, pages = rendered
    assert sum(len(d.spans) for _, d in pages) > 500, "the real annotations are rendered too"
    page = browser.new_page()
    for path, doc in pages:
        _check_page(page, path, doc)


@pytest.mark.browser
def test_in_chromium_hovering_a_quote_highlights_its_speaker_and_shows_the_speaker_tag(browser, rendered):
    out, _ = rendered
    page = browser.new_page()
    page.goto((out / "pass-a" / page_name("tricky-doc")).as_uri())
    # The speaker mention is itself cut in two by a claim: both segments light up.
    speaker = '#doc [data-span-id="tricky-doc-e001"]'

    def lit() -> list[bool]:
        return page.eval_on_selector_all(speaker, "els => els.map(e => e.classList.contains('speaker-hl'))")

    assert lit() == [False, False]
    page.locator('#doc [data-span-id="tricky-doc-q001"]').first.hover()
    assert lit() == [True, True]
    tag = page.evaluate("""() => getComputedStyle(
        document.querySelector('#doc .l-quote.last[data-span-id="tricky-doc-q001"]'), '::after').content""")
    assert "speaker: Kim Jong Un" in tag
    # The date's value is on hover.
    title = page.locator('#doc [data-span-id="tricky-doc-d001"]').get_attribute("title")
    assert "2023-09-13" in title and "DATE" in title


@pytest.mark.browser
def test_in_chromium_a_layer_checkbox_hides_that_layer_only(browser, rendered):
    out, _ = rendered
    page = browser.new_page()
    page.goto((out / "pass-a" / page_name("tricky-doc")).as_uri())

    def background(span_id: str) -> str:
        return page.evaluate(f"""() => getComputedStyle(
            document.querySelector('#doc [data-span-id="{span_id}"]')).backgroundColor""")

    entity_before, date_before = background("tricky-doc-e002"), background("tricky-doc-d001")
    page.locator('input[data-toggle="entity"]').uncheck()
    assert background("tricky-doc-e002") != entity_before
    assert background("tricky-doc-d001") == date_before


def test_the_pages_load_nothing_from_the_network():
    page = render_document(_tricky_doc())
    unescaped = html.unescape(page)
    for needle in ("http://", "https://", "<link", "src="):
        assert needle not in unescaped


@pytest.mark.browser
def test_in_chromium_the_page_policy_blocks_an_injected_handler_and_nothing_of_the_page_itself(browser, rendered):
    out, _ = rendered
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto((out / "pass-a" / page_name("tricky-doc")).as_uri())
    # The page's own script ran: it fills the details list on a click.
    page.locator('#doc [data-span-id="tricky-doc-d001"]').first.click()
    assert "2023-09-13" in page.locator("#details").inner_text()
    assert not [m for m in messages if "Content Security Policy" in m], messages
    fired = page.evaluate("""() => {
        const b = document.createElement('button');
        b.setAttribute('onclick', 'window.pwned = 1');
        document.body.appendChild(b);
        b.click();
        return window.pwned === 1;
    }""")
    assert fired is False
    assert [m for m in messages if "Content Security Policy" in m]
