"""Push the corpus to a Label Studio project, pull annotations back, measure agreement.

One task per document, found by ``data.doc_id`` (Label Studio does not
de-duplicate imports, so an existing document is never imported again).

Which annotation a pull takes into the corpus: per task, the most recently
updated annotation that was not skipped (``was_cancelled``); with none, the
most recent prediction. Drafts (unsubmitted work) are never pulled. Every
annotator's annotations are also written, attributed to them (status
``submitted``), to ``annotations/.sync/<project-slug>/<annotator>.jsonl``, also
when there is only one annotator, so no one's work is lost when another's is
taken and agreement can be measured (``corpus ls agreement``).

What was last synced is kept in ``annotations/.sync/<project-slug>.json``: per
document the sha256 of its corpus file, a content hash of the Label Studio
annotation and the base: every span and relation as they were at that moment.
A pull merges three ways, record by record (a span or relation by its id):

- changed on one side only since the base: that side's version is taken, so
  edits to different spans on the two sides merge into one written document;
- changed on both sides to different content: a conflict naming the id, the
  text, both sides' values and the base; nothing at all is written, unless
  ``take`` ("corpus" or "labelstudio", for all documents or those in
  ``take_docs``) picks a side, or ``incoming_as_batch`` is given, where
  Label Studio's side of each conflicting document goes as a correction batch
  (``edit`` records naming the corpus record's id and content hash).

A span keeps one corpus id for life: after a pull, every document it resolved
is written back into the Label Studio annotation it came from
(``annotations.update``, which keeps author and created_at), so regions made
in the editor carry their corpus ids from then on and a second pull, or a push
after a pull, has nothing to do.

A push refuses, before changing anything, documents whose Label Studio side
changed since the last sync (pull first, or ``force``).

Connection: ``url`` / ``api_key`` arguments first, then the environment
(``LABEL_STUDIO_URL``, ``LABEL_STUDIO_API_KEY``), then for a local server the
token file ``corpus ls server start`` wrote (see server.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from corpus_pkg.errors import CorpusError
from corpus_pkg.findings import short as cut
from corpus_pkg.jsonio import dumps_lines, write_atomic
from corpus_pkg.labelstudio import server
from corpus_pkg.labelstudio.config import labeling_config
from corpus_pkg.labelstudio.convert import (
    Clash,
    ConvertError,
    content_key,
    edit_records,
    field_name,
    from_result,
    origin,
    selected,
    short,
    task_data,
    task_problems,
    three_way,
    to_result,
    user_email,
    user_id,
)
from corpus_pkg.labelstudio.credentials import (
    InsecureFileError,
    read_secret,
    redact,
    remember,
    remember_client,
)
from corpus_pkg.model import AnnotatedDocument, Relation, Span, content_hash
from corpus_pkg.project import annotations_dir
from corpus_pkg.storage import serialize, write_document, write_lock
from corpus_pkg.validate import load_valid_corpus
from corpus_pkg.version import __version__

EXIT_INVALID, EXIT_USAGE = 1, 2
IMPORT_CHUNK = 200
MODEL_VERSION = f"corpus_pkg-{__version__}"


class SyncError(CorpusError):
    """A sync that cannot go on; ``exit_code`` 1 for invalid data or a conflict, 2 for usage, I/O, server."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(redact(message))
        self.exit_code = exit_code


def _progress(items: Iterable[Any], desc: str, total: int | None = None) -> Iterable[Any]:
    from tqdm import tqdm

    return tqdm(items, desc=desc, total=total, disable=not sys.stderr.isatty(), leave=False)


def _sha(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def _d(x: Any) -> dict[str, Any]:
    """SDK objects and plain dicts alike as dicts."""
    if isinstance(x, dict):
        return x
    return x.dict() if hasattr(x, "dict") else dict(x)


# -- connection ---------------------------------------------------------------------------------------------


@dataclass
class Connection:
    client: Any
    url: str
    version: str
    user_id: int
    email: str


def resolve(url: str | None = None, api_key: str | None = None) -> tuple[str, str | None]:
    """The URL and key to use: arguments, then environment, then the local token file."""
    url = (url or os.environ.get("LABEL_STUDIO_URL") or server.url_for(server.default_port())).rstrip("/")
    key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if not key:
        parsed = urlparse(url)
        if parsed.hostname in ("127.0.0.1", "localhost") and parsed.port:
            try:
                key = read_secret(server.token_file(parsed.port)) or None
            except InsecureFileError as e:
                raise SyncError(str(e)) from None
    remember(key)
    return url, key


def connect(url: str | None = None, api_key: str | None = None) -> Connection:
    import httpx
    from label_studio_sdk import LabelStudio
    from label_studio_sdk.core.api_error import ApiError

    url, key = resolve(url, api_key)
    try:
        version = server.version_at(url, timeout=10)
    except server.NotLabelStudio as e:
        raise SyncError(f"{url} does not answer as Label Studio: {e}") from None
    if version is None:
        raise SyncError(f"cannot reach Label Studio at {url}: is it running? (corpus ls server status)")
    if not key:
        raise SyncError(
            "no Label Studio API key: pass --api-key, set LABEL_STUDIO_API_KEY, or start the local "
            "server with `corpus ls server start`, which writes its token file"
        )
    # The SDK raises ApiError (status 401) from the constructor for an expired or expiry-less JWT.
    try:
        client = LabelStudio(base_url=url, api_key=key, timeout=120)
        me = client.users.whoami()
    except _sdk_parse_errors() as e:
        raise SyncError(f"{url} does not answer as Label Studio: {_unexpected('tell who we are', e)}") from None
    except ApiError as e:
        # `from None`: the ApiError's own text holds the response's headers and body, which may echo the key.
        if e.status_code in (401, 403):
            raise SyncError(
                f"Label Studio refused the API key ({e.status_code}) at {url}: use a Personal Access "
                "Token of this server (Account & Settings, or the token file of corpus ls server)"
            ) from None
        raise SyncError(f"Label Studio at {url} answered {e.status_code} to whoami") from None
    except httpx.HTTPError as e:
        raise SyncError(f"lost the connection to Label Studio at {url}: {redact(str(e))}") from None
    remember_client(client)
    user_id = getattr(me, "id", None)
    if not isinstance(user_id, int):
        raise SyncError(f"{url} does not answer as Label Studio: the current user has no numeric id ({me!r:.80})")
    name = getattr(me, "email", None) or getattr(me, "username", None) or str(user_id)
    return Connection(client, url, version, user_id, str(name))


def _sdk_parse_errors() -> tuple[type[Exception], ...]:
    from label_studio_sdk.core.parse_error import ParsingError

    # The SDK builds its objects without checking them: an answer of the wrong shape surfaces as a
    # TypeError or ValueError (a list where an object belongs), or as its ParsingError.
    return (ParsingError, TypeError, ValueError)


def _unexpected(what: str, e: Exception) -> str:
    detail = cut(redact(str(e)), 200)
    return f"its answer when asked to {what} is not what its API returns ({type(e).__name__}: {detail})"


def _api(what: str, call: Callable[[], Any]) -> Any:
    """Run one API call; server errors become SyncErrors that say what failed, with every credential redacted."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    # `from None` below: the SDK's exception text holds the raw response (headers, body) that may echo a token.
    try:
        return call()
    except ApiError as e:
        body = e.body if isinstance(e.body, str | dict | list) else ""
        raise SyncError(f"Label Studio refused to {what} ({e.status_code}): {cut(redact(str(body)), 400)}") from None
    except httpx.HTTPError as e:
        raise SyncError(f"lost the connection to Label Studio while trying to {what}: {redact(str(e))}") from None
    except _sdk_parse_errors() as e:
        raise SyncError(f"Label Studio is not answering as expected: {_unexpected(what, e)}") from None


# -- project, tasks, state ----------------------------------------------------------------------------------


def slug(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s or "project"


def find_project(conn: Connection, title: str) -> Any | None:
    found = [p for p in _api("list projects", lambda: list(conn.client.projects.list(title=title))) if p.title == title]
    if len(found) > 1:
        raise SyncError(f"{len(found)} projects are titled {title!r} (ids {[p.id for p in found]}); rename all but one")
    return found[0] if found else None


def ensure_project(conn: Connection, title: str) -> Any:
    """The project titled ``title`` with our labeling config, created or updated."""
    config = labeling_config()
    project = find_project(conn, title)
    if project is None:
        return _api("create the project", lambda: conn.client.projects.create(title=title, label_config=config))
    if (project.label_config or "").strip() != config.strip():
        _api(
            "update the project's labeling config", lambda: conn.client.projects.update(project.id, label_config=config)
        )
    return project


def project_tasks(conn: Connection, project_id: int) -> dict[str, dict[str, Any]]:
    """The project's tasks by doc_id, with annotations and predictions."""
    tasks = _api("list tasks", lambda: [_d(t) for t in conn.client.tasks.list(project=project_id, fields="all")])
    return _by_doc(well_formed(tasks, f"the task list of project {project_id}"))


def well_formed(tasks: list[Any], source: str) -> list[dict[str, Any]]:
    """``tasks`` once every part the sync reads has the expected shape; else a SyncError naming each problem."""
    if not isinstance(tasks, list):
        raise SyncError(f"{source} is not a list of tasks but {short(tasks)}", EXIT_INVALID)
    problems = []
    for n, task in enumerate(tasks, start=1):
        shape = task_problems(task, need_id=True)
        if not shape:
            continue
        data = task.get("data") if isinstance(task, dict) else None
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        task_id = task.get("id") if isinstance(task, dict) else None
        who = f"task #{n} (id {short(task_id)}, doc_id {short(doc_id)})"
        problems += [f"{who}: {field_name(where)} {problem}" for where, problem in shape]
    if problems:
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise SyncError(
            f"{source} holds data of an unexpected shape; nothing was changed:\n  " + "\n  ".join(problems[:50]) + more,
            EXIT_INVALID,
        )
    return tasks


def _by_doc(tasks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    dups: dict[str, list[int]] = defaultdict(list)
    for t in tasks:
        doc_id = (t.get("data") or {}).get("doc_id")
        if not doc_id:
            continue
        if doc_id in out:
            dups[doc_id].append(t["id"])
        else:
            out[doc_id] = t
    if dups:
        which = "; ".join(f"{d}: tasks {[out[d]['id'], *ids]}" for d, ids in sorted(dups.items()))
        raise SyncError(f"several tasks hold the same document ({which}); delete the extra tasks", EXIT_INVALID)
    return out


@dataclass
class SyncState:
    path: Path
    project_id: int | None = None
    url: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path, title: str, conn: Connection, project_id: int | None) -> SyncState:
        path = root / ".sync" / f"{slug(title)}.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, project_id, conn.url)
        except ValueError as e:
            raise SyncError(f"{path}: not valid JSON ({e}); delete it to start the sync history afresh") from e
        if raw.get("project_id") != project_id or raw.get("url") != conn.url:
            # Another server or a re-created project: what was synced there says nothing here.
            return cls(path, project_id, conn.url)
        return cls(path, project_id, conn.url, raw.get("documents") or {})

    def save(self) -> None:
        body = {
            "project_id": self.project_id,
            "url": self.url,
            "documents": {k: self.documents[k] for k in sorted(self.documents)},
        }
        write_atomic(self.path, json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def record(self, doc: AnnotatedDocument, task: dict[str, Any], ls_key: str | None = None) -> None:
        """``doc`` is now on both sides: it becomes the base of the next three-way pull."""
        sel = selected(task)
        if ls_key is None:
            ls_key = content_key(sel[1].get("result") or []) if sel else None
        self.documents[doc.doc_id] = {
            "task_id": task["id"],
            "corpus_sha256": _sha(serialize(doc)),
            "ls_sha256": ls_key,
            "base": [r.to_dict() for r in [*doc.sorted().spans, *doc.sorted().relations]],
        }

    def base(self, corpus: AnnotatedDocument) -> AnnotatedDocument | None:
        """The document as it was at the last sync, or None when that is not known."""
        synced = self.documents.get(corpus.doc_id)
        if synced is None:
            return None
        if "base" not in synced:
            # A state written before bases were kept: the corpus is the base if it did not change since.
            return corpus if synced.get("corpus_sha256") == _sha(serialize(corpus)) else None
        records = synced["base"]
        return AnnotatedDocument(
            corpus.document,
            [Span.from_dict(r) for r in records if r.get("record") == "span"],
            [Relation.from_dict(r) for r in records if r.get("record") == "relation"],
        )


# -- push ---------------------------------------------------------------------------------------------------


@dataclass
class PushSummary:
    project_id: int
    imported: int = 0
    updated: int = 0
    unchanged: int = 0


def _push(
    project_title: str,
    docs: list[AnnotatedDocument] | None = None,
    *,
    as_predictions: bool = False,
    force: bool = False,
    root: Path | None = None,
    url: str | None = None,
    api_key: str | None = None,
    conn: Connection | None = None,
) -> PushSummary:
    """Create or update the project so it holds every document and its annotations, idempotently."""
    root = root or annotations_dir()
    if docs is None:
        docs = load_valid_corpus(root)
    results = {}
    problems = []
    for d in docs:
        try:
            results[d.doc_id] = to_result(d)
        except ConvertError as e:
            problems += e.problems
    if problems:
        raise SyncError("cannot push: " + "; ".join(problems), EXIT_INVALID)
    conn = conn or connect(url, api_key)
    project = ensure_project(conn, project_title)
    tasks = project_tasks(conn, project.id)
    state = SyncState.load(root, project_title, conn, project.id)
    summary = PushSummary(project.id)

    # Plan everything first: a refusal must leave Label Studio untouched.
    to_import: list[dict[str, Any]] = []
    to_update: list[tuple[AnnotatedDocument, dict[str, Any]]] = []
    refused: list[str] = []
    for d in docs:
        task = tasks.get(d.doc_id)
        result = results[d.doc_id]
        if task is None:
            item: dict[str, Any] = {"data": task_data(d.document)}
            if as_predictions:
                item["predictions"] = [{"result": result, "model_version": MODEL_VERSION}]
            else:
                item["annotations"] = [{"result": result}]
            to_import.append(item)
            continue
        if (task.get("data") or {}).get("text") != d.document.text:
            refused.append(
                f"{d.doc_id}: task {task['id']} holds another text than the corpus document "
                f"(sha256 {d.document.sha256[:12]}…); the document's text changed"
            )
            continue
        sel = selected(task)
        current = content_key(sel[1].get("result") or []) if sel else None
        if current == content_key(result):
            summary.unchanged += 1
            to_update.append((d, {}))
            continue
        synced = state.documents.get(d.doc_id, {}).get("ls_sha256")
        if sel is not None and current != synced and not force:
            who = user_email(sel[1].get("completed_by")) if sel[0] == "annotation" else "a prediction"
            refused.append(
                f"{d.doc_id}: task {task['id']} was changed in Label Studio since the last sync "
                f"({sel[0]} {sel[1].get('id')} by {who})"
            )
            continue
        to_update.append((d, {"task": task, "result": result}))
    if refused:
        raise SyncError(
            "push refused, nothing was changed: it would overwrite edits made in Label Studio; pull first "
            "(their edits merge with the corpus), or push --force to overwrite them:\n  " + "\n  ".join(refused),
            EXIT_INVALID,
        )

    for start in _progress(
        range(0, len(to_import), IMPORT_CHUNK), "importing", total=-(-len(to_import) // IMPORT_CHUNK)
    ):
        chunk = to_import[start : start + IMPORT_CHUNK]
        _api(
            "import tasks",
            lambda chunk=chunk: conn.client.projects.import_tasks(project.id, request=chunk, return_task_ids=True),
        )
        summary.imported += len(chunk)
    for _doc, plan in _progress(to_update, "updating"):
        if not plan:
            continue
        _write_result(conn, plan["task"], plan["result"], as_predictions)
        summary.updated += 1

    tasks = project_tasks(conn, project.id)
    for d in docs:
        if d.doc_id in tasks:
            state.record(d, tasks[d.doc_id])
    state.save()
    return summary


def _write_result(conn: Connection, task: dict[str, Any], result: list[dict[str, Any]], as_predictions: bool) -> None:
    """Update our own annotation (or prediction) of the task in place, or add one."""
    if as_predictions:
        mine = [
            p for p in task.get("predictions") or [] if isinstance(p, dict) and p.get("model_version") == MODEL_VERSION
        ]
        if mine:
            _api("update a prediction", lambda: conn.client.predictions.update(mine[-1]["id"], result=result))
        else:
            _api(
                "create a prediction",
                lambda: conn.client.predictions.create(task=task["id"], result=result, model_version=MODEL_VERSION),
            )
        return
    mine = [
        a
        for a in task.get("annotations") or []
        if not a.get("was_cancelled") and user_id(a.get("completed_by")) == conn.user_id
    ]
    if mine:
        latest = max(mine, key=lambda a: (a.get("updated_at") or "", a["id"]))
        _api("update an annotation", lambda: conn.client.annotations.update(latest["id"], result=result))
    else:
        _api("create an annotation", lambda: conn.client.annotations.create(task["id"], result=result))


# -- pull ---------------------------------------------------------------------------------------------------


def export_snapshot(conn: Connection, project_id: int, timeout: float = 300) -> list[dict[str, Any]]:
    """Every task with full annotations, annotator identities, drafts and predictions."""
    options = {
        "annotations__completed_by": {"only_id": False},
        "drafts": {"only_id": False},
        "predictions": {"only_id": False},
    }
    ex = _api(
        "create an export",
        lambda: conn.client.projects.exports.create(
            project_id, title=f"corpus pull {time.strftime('%Y-%m-%dT%H:%M:%S')}", serialization_options=options
        ),
    )
    deadline = time.monotonic() + timeout
    while ex.status not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise SyncError(f"the export of project {project_id} did not finish within {timeout:.0f} s")
        time.sleep(0.5)
        ex = _api("check an export", lambda pk=ex.id: conn.client.projects.exports.get(project_id, export_pk=pk))
    if ex.status == "failed":
        raise SyncError(f"Label Studio failed to export project {project_id} (export {ex.id})")
    data = _api(
        "download an export",
        lambda: b"".join(conn.client.projects.exports.download(project_id, export_pk=ex.id, export_type="JSON")),
    )
    _api("delete the export", lambda: conn.client.projects.exports.delete(project_id, export_pk=ex.id))
    try:
        tasks = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise SyncError(f"the export of project {project_id} is not JSON ({cut(redact(str(e)), 200)})") from None
    if not isinstance(tasks, list):
        raise SyncError(f"the export of project {project_id} is not a list of tasks but {cut(redact(repr(tasks)), 80)}")
    return tasks


@dataclass
class Incoming:
    doc: AnnotatedDocument
    key: str
    task: dict[str, Any]
    kind: str
    item: dict[str, Any]
    where: str


@dataclass
class PullSummary:
    project_id: int
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    corpus_newer: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    written_back: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    annotator_files: list[str] = field(default_factory=list)
    skipped_annotations: int = 0
    drafts: int = 0
    notes: list[str] = field(default_factory=list)


def _union(corpus: AnnotatedDocument, base: AnnotatedDocument | None) -> AnnotatedDocument:
    """The corpus with the base's records it no longer holds: ids a region may keep, relations it may match."""
    if base is None:
        return corpus
    have = {r.id for r in [*corpus.spans, *corpus.relations]}
    return AnnotatedDocument(
        corpus.document,
        [*corpus.spans, *(s for s in base.spans if s.id not in have)],
        [*corpus.relations, *(r for r in base.relations if r.id not in have)],
    )


def _write_back(conn: Connection, inc: Incoming, result: list[dict[str, Any]]) -> None:
    """Replace the pulled annotation's (or prediction's) result, so its regions carry the corpus ids."""
    item_id = inc.item["id"]
    if inc.kind == "prediction":
        _api("update a prediction", lambda: conn.client.predictions.update(item_id, result=result))
    else:
        # annotations.update keeps the annotation's author and created_at.
        _api("update an annotation", lambda: conn.client.annotations.update(item_id, result=result))


def _pull(
    project_title: str,
    *,
    root: Path | None = None,
    incoming_as_batch: Path | None = None,
    take: str | None = None,
    take_docs: Iterable[str] = (),
    url: str | None = None,
    api_key: str | None = None,
    conn: Connection | None = None,
) -> PullSummary:
    """Bring the project's annotations into the corpus (see the module docstring for the rules)."""
    from corpus_pkg.validate import Report, validate_documents

    root = root or annotations_dir()
    take_docs = set(take_docs)
    if take_docs and take is None:
        raise SyncError("--doc names the documents --take applies to; give --take corpus|labelstudio too")
    corpus = {d.doc_id: d for d in load_valid_corpus(root)}
    unknown = sorted(take_docs - corpus.keys())
    if unknown:
        raise SyncError(f"--doc: no document {', '.join(unknown)} in the corpus at {root}")
    conn = conn or connect(url, api_key)
    project = find_project(conn, project_title)
    if project is None:
        raise SyncError(f"Label Studio at {conn.url} has no project titled {project_title!r}")
    tasks = well_formed(export_snapshot(conn, project.id), f"the export of project {project.id}")
    state = SyncState.load(root, project_title, conn, project.id)
    summary = PullSummary(project.id)

    incoming: dict[str, Incoming] = {}
    bases: dict[str, AnnotatedDocument | None] = {}
    per_annotator: dict[str, list[AnnotatedDocument]] = defaultdict(list)
    problems: list[str] = []
    for task in _progress(tasks, "converting"):
        data = task.get("data") or {}
        doc_id = data.get("doc_id")
        current = corpus.get(doc_id)
        if current is None:
            summary.notes.append(f"task {task.get('id')}: document {doc_id!r} is not in the corpus; left out")
            continue
        if data.get("text") != current.document.text:
            problems.append(f"task {task['id']}: its text is not the corpus text of {doc_id}")
            continue
        summary.skipped_annotations += sum(1 for a in task.get("annotations") or [] if a.get("was_cancelled"))
        summary.drafts += len(task.get("drafts") or [])
        sel = selected(task)
        if sel is None:
            continue
        kind, item = sel
        where = f"label-studio task {task['id']} {kind} {item.get('id')}"
        bases[doc_id] = base = state.base(current)
        # Region ids that are not corpus ids are numbered after every id the corpus or the base holds.
        known = _union(current, base)
        try:
            doc = from_result(current.document, item.get("result") or [], origin(kind, item, conn.version), known)
        except ConvertError as e:
            problems += [f"{where}: {p}" for p in e.problems]
            continue
        incoming[doc_id] = Incoming(doc, content_key(item.get("result") or []), task, kind, item, where)
        for a in task.get("annotations") or []:
            if a.get("was_cancelled"):
                continue
            try:
                one = from_result(current.document, a.get("result") or [], origin("annotation", a, conn.version), known)
            except ConvertError as e:
                problems += [f"label-studio task {task['id']} annotation {a.get('id')}: {p}" for p in e.problems]
                continue
            per_annotator[user_email(a.get("completed_by"))].append(one)
    if problems:
        raise SyncError("cannot pull, nothing was written:\n  " + "\n  ".join(problems), EXIT_INVALID)

    # Validate everything that would be written before writing anything.
    report = Report()
    for inc in incoming.values():
        report.extend(validate_documents([inc.doc], inc.where))
    if report.errors:
        raise SyncError(
            f"the annotations in Label Studio do not validate ({len(report.errors)} errors); nothing was "
            "written:\n  " + _findings(report),
            EXIT_INVALID,
        )

    # Three-way, record by record: what changed on one side since the base takes that side.
    resolved: dict[str, AnnotatedDocument] = {}
    conflicts: dict[str, list[Clash]] = {}
    for doc_id, inc in sorted(incoming.items()):
        current, base = corpus[doc_id], bases[doc_id]
        side = take if take is not None and (not take_docs or doc_id in take_docs) else None
        if base is None and not (current.spans or current.relations):
            merged, clashes = inc.doc, []  # nothing here yet: Label Studio's side is the document
        else:
            merged, clashes = three_way(base, current, inc.doc, side)
        if clashes:
            conflicts[doc_id] = clashes
        else:
            resolved[doc_id] = merged

    if conflicts and incoming_as_batch is None:
        lines = []
        for doc_id, clashes in conflicts.items():
            never = " (never synced with this project: there is no base)" if bases[doc_id] is None else ""
            lines.append(
                f"{doc_id} ({incoming[doc_id].where}){never}:\n    " + "\n    ".join(c.render() for c in clashes)
            )
        raise SyncError(
            f"{sum(len(c) for c in conflicts.values())} span(s) or relation(s) in {len(conflicts)} document(s) "
            "changed differently in the corpus and in Label Studio since the last sync; nothing was written. "
            "Take one side with --take corpus|labelstudio [--doc DOC_ID], or pull with --incoming-as-batch "
            "DIR to get Label Studio's side as a correction batch:\n  " + "\n  ".join(lines),
            EXIT_INVALID,
        )

    report = Report()
    for doc_id, merged in resolved.items():
        if serialize(merged) != serialize(corpus[doc_id]):
            report.extend(validate_documents([merged], f"{doc_id} merged from the corpus and Label Studio"))
    if report.errors:
        raise SyncError(
            f"the corpus and Label Studio edits merged do not validate ({len(report.errors)} errors); nothing "
            "was written; take one side with --take corpus|labelstudio --doc DOC_ID:\n  " + _findings(report),
            EXIT_INVALID,
        )

    for doc_id in conflicts:
        assert incoming_as_batch is not None
        inc, current, base = incoming[doc_id], corpus[doc_id], bases[doc_id]
        # Label Studio's side: every record it changed since the base (all of them without a base).
        theirs = {r.id: r for r in [*inc.doc.spans, *inc.doc.relations]}
        was = {r.id: r for r in ([*base.spans, *base.relations] if base else [])}
        changed = {rid for rid in theirs.keys() | was.keys() if _content(theirs.get(rid)) != _content(was.get(rid))}
        if base is None:
            changed = None
        path = incoming_as_batch / f"{doc_id}.jsonl"
        header = {
            "record": "batch",
            "batch_id": slug(f"{project_title}-{doc_id}"),
            "description": redact(f"Label Studio side of a conflict: {inc.where} at {conn.url}"),
            "against": {doc_id: inc.doc.document.sha256},
        }
        write_atomic(path, dumps_lines([header, *edit_records(current, inc.doc, changed)]))
        summary.batches.append(str(path))

    to_write = [m for d, m in resolved.items() if serialize(m) != serialize(corpus[d])]
    for doc in _progress(to_write, "writing"):
        write_document(doc, root)
        summary.written.append(doc.doc_id)
    for doc_id, merged in resolved.items():
        inc = incoming[doc_id]
        synced = state.documents.get(doc_id) or {}
        same_as_ls = serialize(merged) == serialize(inc.doc)
        if doc_id in summary.written:
            if not same_as_ls:
                summary.merged.append(doc_id)
        elif same_as_ls:
            summary.unchanged.append(doc_id)
        elif inc.key == synced.get("ls_sha256"):
            summary.corpus_newer.append(doc_id)  # only the corpus changed: push sends it
            continue
        # Label Studio gets the document as written: its regions then carry the corpus ids for good.
        result = to_result(merged)
        key = content_key(result)
        if key != inc.key:
            _write_back(conn, inc, result)
            summary.written_back.append(doc_id)
        state.record(merged, inc.task, key)
    for annotator, docs in sorted(per_annotator.items()):
        path = root / ".sync" / slug(project_title) / f"{slug(annotator)}.jsonl"
        records = [r.to_dict() for d in sorted(docs, key=lambda d: d.doc_id) for r in d.sorted().spans]
        records += [r.to_dict() for d in sorted(docs, key=lambda d: d.doc_id) for r in d.sorted().relations]
        write_atomic(path, dumps_lines(records))
        summary.annotator_files.append(str(path))
    state.save()
    return summary


def _content(record: Span | Relation | None) -> str | None:
    return None if record is None else content_hash(record)


def _findings(report: Any) -> str:
    lines = [f.render() for f in report.errors[:30]]
    more = f"\n  … and {len(report.errors) - 30} more" if len(report.errors) > 30 else ""
    return "\n  ".join(lines) + more


def push(project_title: str, docs: list[AnnotatedDocument] | None = None, **kw: Any) -> PushSummary:
    """Create or update the project so it holds every document and its annotations, idempotently.

    Holds the corpus write lock: push records what it sent in the sync state beside the corpus.
    """
    with write_lock(kw.get("root")):
        return _push(project_title, docs, **kw)


def pull(project_title: str, **kw: Any) -> PullSummary:
    """Bring the project's annotations into the corpus, under the corpus write lock (see the module doc)."""
    with write_lock(kw.get("root")):
        return _pull(project_title, **kw)


@dataclass
class PredictionSummary:
    project_id: int
    model_version: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    documents: list[str] = field(default_factory=list)


def _predictor(spans: list[Span]) -> str:
    """The model version a batch's predictions are sent under: its tools and their versions."""
    tools = sorted({f"{s.provenance.tool} {s.provenance.tool_version}" for s in spans})
    return " + ".join(tools) or MODEL_VERSION


def push_predictions(project_title: str, batch: Path, **kw: Any) -> PredictionSummary:
    """Send a batch of predictions (``corpus predict``) as pre-annotations of their documents' tasks.

    The corpus is pushed first, so a document without a task gets one. Each document's predicted
    spans and relations become one prediction of its task, under the predictor's name and version
    as the model version (replacing an earlier prediction of the same model version); annotators
    see them as suggestions, and what they submit comes back through ``pull`` as submitted work.
    A batch with any error sends nothing.
    """
    from corpus_pkg.batches import consecutive, read_batch, validate_batch

    root = kw.get("root") or annotations_dir()
    report, _plan = validate_batch(batch, root, plan=False)
    if report.errors:
        raise SyncError(
            f"{batch} does not validate against the corpus ({len(report.errors)} errors); nothing was sent; "
            f"first: {report.errors[0].render()}",
            EXIT_INVALID,
        )
    by_doc: dict[str, tuple[list[Span], list[Relation]]] = {}
    from corpus_pkg.validate import Report

    for doc_id, records in consecutive(read_batch(batch, Report(), root)[1], Report()):
        spans, rels = by_doc.setdefault(doc_id, ([], []))
        spans += [r for r in records if isinstance(r, Span)]
        rels += [r for r in records if isinstance(r, Relation)]
    with write_lock(root):
        corpus = {d.doc_id: d for d in load_valid_corpus(root)}
        conn = kw.get("conn") or connect(kw.get("url"), kw.get("api_key"))
        _push(project_title, list(corpus.values()), root=root, conn=conn)
        project = ensure_project(conn, project_title)
        tasks = project_tasks(conn, project.id)
        version = _predictor([s for spans, _ in by_doc.values() for s in spans])
        summary = PredictionSummary(project.id, version)
        for doc_id, (spans, rels) in sorted(by_doc.items()):
            task = tasks.get(doc_id)
            if task is None or doc_id not in corpus:
                raise SyncError(f"{doc_id}: not a corpus document with a task; add it with corpus add-document")
            result = to_result(AnnotatedDocument(corpus[doc_id].document, spans, rels).sorted())
            scores = [s.provenance.score for s in spans if s.provenance.score is not None]
            score = sum(scores) / len(scores) if scores else None
            mine = [
                p for p in task.get("predictions") or [] if isinstance(p, dict) and p.get("model_version") == version
            ]
            if mine and content_key(mine[-1].get("result") or []) == content_key(result):
                summary.unchanged += 1
            elif mine:
                pid = mine[-1]["id"]
                _api("update a prediction", lambda pid=pid, r=result: conn.client.predictions.update(pid, result=r))
                summary.updated += 1
            else:
                extra = {"score": score} if score is not None else {}
                _api(
                    "create a prediction",
                    lambda t=task["id"], r=result, x=extra: conn.client.predictions.create(
                        task=t, result=r, model_version=version, **x
                    ),
                )
                summary.created += 1
            summary.documents.append(doc_id)
        return summary


# -- agreement ----------------------------------------------------------------------------------------------


def agreement(
    project_title: str,
    *,
    root: Path | None = None,
    url: str | None = None,
    api_key: str | None = None,
    conn: Connection | None = None,
) -> tuple[str, dict[str, Any]]:
    """Span agreement per layer between every two annotators of the same tasks: a table and the numbers."""
    from corpus_pkg.agreement import compare, render_markdown

    root = root or annotations_dir()
    corpus = {d.doc_id: d for d in load_valid_corpus(root)}
    conn = conn or connect(url, api_key)
    project = find_project(conn, project_title)
    if project is None:
        raise SyncError(f"Label Studio at {conn.url} has no project titled {project_title!r}")
    by_annotator: dict[str, dict[str, AnnotatedDocument]] = defaultdict(dict)
    problems: list[str] = []
    for task in well_formed(export_snapshot(conn, project.id), f"the export of project {project.id}"):
        base = corpus.get((task.get("data") or {}).get("doc_id"))
        if base is None:
            continue
        for a in task.get("annotations") or []:
            if a.get("was_cancelled"):
                continue
            who = user_email(a.get("completed_by"))
            try:
                doc = from_result(base.document, a.get("result") or [], origin("annotation", a, conn.version))
            except ConvertError as e:
                problems += e.problems
                continue
            prev = by_annotator[who].get(base.doc_id)
            if prev is None or len(doc.spans) >= len(prev.spans):
                by_annotator[who][base.doc_id] = doc
    if problems:
        raise SyncError("cannot read the annotations: " + "; ".join(problems), EXIT_INVALID)
    names = sorted(by_annotator)
    tables, numbers = [], {}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            shared = sorted(by_annotator[a].keys() & by_annotator[b].keys())
            if not shared:
                continue
            result = compare([by_annotator[a][k] for k in shared], [by_annotator[b][k] for k in shared])
            numbers[f"{a} vs {b}"] = {"documents": shared, "layers": {k: v.to_dict() for k, v in result.items()}}
            tables.append(f"{a} vs {b} ({len(shared)} shared task(s))\n\n{render_markdown(result)}")
    if not tables:
        return (f"no task of {project_title!r} has annotations by two annotators; nothing to compare\n", numbers)
    return "\n".join(tables), numbers
