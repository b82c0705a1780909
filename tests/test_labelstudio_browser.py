"""An annotator in a real browser (Debian's Chromium driven by Playwright), then a pull."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import CHROMIUM, CHROMIUM_FLAGS, write_corpus
from test_labelstudio_sync import snapshot, tricky_document

from corpus_pkg.labelstudio.config import hotkeys, span_labels
from corpus_pkg.labelstudio.convert import TOOL
from corpus_pkg.labelstudio.sync import project_tasks, pull, push
from corpus_pkg.model import Provenance
from corpus_pkg.storage import load_corpus

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

FLAGS = CHROMIUM_FLAGS
# The box around a substring of the labeling text, found in the page rather than guessed.
SUBSTRING_BOX = """(needle) => {
  const root = document.querySelector('.htx-highlight').closest('.lsf-richtext__line')
            || document.querySelector('.htx-highlight').parentElement;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.data.indexOf(needle);
    if (i >= 0) {
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + needle.length);
      const b = r.getBoundingClientRect();
      return {x0: b.left, x1: b.right, y: b.top + b.height / 2};
    }
  }
  return null;
}"""


# The same across highlighted regions, whose text is split over several nodes.
SPLIT_SUBSTRING_BOX = """(needle) => {
  let root = document.querySelector('.htx-highlight');
  while (root && !root.textContent.includes(needle)) root = root.parentElement;
  if (!root) return null;
  const nodes = [];
  let all = '';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
  const at = all.indexOf(needle);
  if (at < 0) return null;
  const find = (i) => {
    let k = 0;
    while (k + 1 < nodes.length && nodes[k + 1][1] <= i) k++;
    return [nodes[k][0], i - nodes[k][1]];
  };
  const r = document.createRange();
  r.setStart(...find(at));
  r.setEnd(...find(at + needle.length - 1));
  r.setEnd(r.endContainer, r.endOffset + 1);
  const rects = r.getClientRects();
  const first = rects[0], last = rects[rects.length - 1];
  return {x0: first.left, x1: last.right, y: first.top + first.height / 2};
}"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (never `playwright install`)")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=FLAGS
        )
        try:
            yield b
        finally:
            b.close()


def open_task(browser, server, project_id: int, task_id: int):
    """A page logged in as the test user, on the labeling screen of one task with its regions drawn."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/user/login/")
    page.fill("input[name=email]", server.email)
    page.fill("input[name=password]", server.password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{server.url}/projects/{project_id}/data?task={task_id}")
    page.wait_for_selector(".htx-highlight")
    return page


def save(page) -> None:
    """Click Update and wait for the server to answer the save, then close the page. Waiting for the
    network to be idle is not enough: the page was idle before the click, so that wait can return before
    the editor sends its request, and closing the page then drops the save."""
    with page.expect_response(
        lambda r: "/api/annotations/" in r.url and r.request.method in ("PATCH", "PUT", "POST"), timeout=60_000
    ) as answer:
        page.locator("button", has_text="Update").last.click()
    assert answer.value.ok, f"saving the annotation failed: {answer.value.status} {answer.value.text()[:500]}"
    page.close()


def test_a_span_selected_with_the_mouse_and_labelled_by_hotkey_is_pulled_with_code_point_offsets(
    browser, labelstudio_server, labelstudio_conn, ls_project, tmp_path
):
    root = write_corpus(tmp_path / "corpus", [tricky_document("t-web")])
    pushed = push(ls_project, root=root, conn=labelstudio_conn)
    task = project_tasks(labelstudio_conn, pushed.project_id)["t-web"]
    text = load_corpus(root)[0].document.text
    needle = "Vostochny"  # after a flag, an astronaut (ZWJ sequence) and mathematical bold letters
    assert len(text[: text.index(needle)].encode("utf-16-le")) // 2 > text.index(needle)

    page = open_task(browser, labelstudio_server, pushed.project_id, task["id"])

    assert span_labels()["FAC"] == "entity"
    page.keyboard.press(hotkeys(list(span_labels()))["FAC"])
    box = page.evaluate(SUBSTRING_BOX, needle)
    assert box is not None, f"{needle!r} is not rendered"
    page.mouse.move(box["x0"] + 1, box["y"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y"], steps=5)
    page.mouse.move(box["x1"] - 1, box["y"], steps=5)
    page.mouse.up()
    page.locator("[class*=outliner] [class*=item]").filter(has_text=needle).last.click()
    page.locator("input[name=NAM]").check()
    cluster = page.locator("input[name=entity_cluster]")
    cluster.fill("vostochny-cosmodrome")
    cluster.press("Enter")
    save(page)

    before = snapshot(root)
    summary = pull(ls_project, root=root, conn=labelstudio_conn)
    assert summary.written == ["t-web"]
    assert snapshot(root) != before
    spans = {s.id: s for s in load_corpus(root)[0].spans}
    new = spans["t-web-e005"]
    start = text.index(needle)
    assert (new.start, new.end, new.text, new.label) == (start, start + len(needle), needle, "FAC")
    assert new.attributes == {"kind": "NAM", "cluster": "vostochny-cosmodrome"}
    assert new.provenance == Provenance(labelstudio_server.email, TOOL, labelstudio_conn.version, "submitted")
    # The regions the browser saved again keep their ids, offsets and provenance.
    old = {s.id: s for s in tricky_document("t-web").spans}
    assert {k: v for k, v in spans.items() if k != "t-web-e005"} == old


def test_a_claim_can_be_drawn_over_exactly_the_words_of_a_quote(
    browser, labelstudio_server, labelstudio_conn, ls_project, tmp_path
):
    root = write_corpus(tmp_path / "corpus", [tricky_document("t-both")])
    pushed = push(ls_project, root=root, conn=labelstudio_conn)
    task = project_tasks(labelstudio_conn, pushed.project_id)["t-both"]
    quote = {s.id: s for s in load_corpus(root)[0].spans}["t-both-q001"]

    page = open_task(browser, labelstudio_server, pushed.project_id, task["id"])

    from playwright.sync_api import expect

    claim = page.locator(".lsf-label").filter(has=page.locator(".lsf-label__text", has_text=re.compile("^CLAIM$")))
    regions = page.locator(".lsf-outliner-item").filter(has_text=quote.text)
    drawn = regions.count()
    # On a loaded machine the editor may not have bound its hotkeys yet when the page first shows the
    # text: the gesture is repeated (at most three times) until the region list shows one more region
    # over the quote's words. The hotkey toggles, so it is pressed only while CLAIM is not selected.
    for _attempt in range(3):
        page.wait_for_load_state("networkidle")
        if "lsf-label_selected" not in (claim.get_attribute("class") or ""):
            page.keyboard.press(hotkeys(list(span_labels()))["CLAIM"])
        box = page.evaluate(SPLIT_SUBSTRING_BOX, quote.text)
        assert box is not None, f"{quote.text!r} is not rendered"
        page.mouse.move(box["x0"] + 1, box["y"])
        page.mouse.down()
        page.mouse.move((box["x0"] + box["x1"]) / 2, box["y"], steps=5)
        page.mouse.move(box["x1"] - 1, box["y"], steps=5)
        page.mouse.up()
        try:
            expect(regions).to_have_count(drawn + 1, timeout=5_000)
            break
        except AssertionError:
            continue
    assert regions.count() == drawn + 1, f"no region was drawn over {quote.text!r}"
    save(page)

    result = project_tasks(labelstudio_conn, pushed.project_id)["t-both"]["annotations"][0]["result"]
    saved = [
        (i["value"]["start"], i["value"]["end"], i["value"]["labels"]) for i in result if i.get("from_name") == "label"
    ]
    near = [r for r in saved if r[0] < quote.end and quote.start < r[1]]
    assert (quote.start, quote.end, ["QUOTE"]) in saved, near
    assert (quote.start, quote.end, ["CLAIM"]) in saved, near
