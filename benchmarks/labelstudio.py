"""Label Studio round trip at scale: bulk push and pull against one request per task, in tasks per second.

    python benchmarks/labelstudio.py [--tasks 2000] [--one-by-one 2000]

Starts a real Label Studio (corpus_pkg.labelstudio.server, installed with
`corpus ls server install`) on a free port with a temporary data folder
(SQLite), writes --tasks seeded synthetic documents (about 4 kB, 50 spans and
10 relations each, see corpus_pkg/synthetic.py) as an annotations folder, then:

- push:        corpus_pkg.labelstudio.sync.push (validate, convert, bulk import in chunks of 200
               with each document's annotation, list the tasks back, save the sync state);
- import only: the same bulk import requests alone (projects.import_tasks), into a second project;
- pull:        sync.pull of the pushed project (snapshot export, convert, validate, compare;
               every document comes back unchanged, so nothing is written);
- export only: the snapshot export alone (sync.export_snapshot);
- one by one:  --one-by-one documents pushed one request per task, tasks.create then
               annotations.create, into a third project.

The server is stopped at the end, also on error. Times are wall seconds on this machine, client and
server sharing its cores.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children", encoding="ascii") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=2000, help="documents pushed in bulk and pulled back")
    p.add_argument("--one-by-one", type=int, help="documents pushed one request per task (default: --tasks)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    one_by_one = args.tasks if args.one_by_one is None else args.one_by_one
    # The server runs in its own session: a SIGTERM (timeout, CI cancel) must still reach the finally that stops it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from corpus_pkg.labelstudio import server, sync
    from corpus_pkg.labelstudio.config import labeling_config
    from corpus_pkg.labelstudio.convert import task_data, to_result
    from corpus_pkg.storage import write_document
    from corpus_pkg.synthetic import generate

    with tempfile.TemporaryDirectory(prefix="bench-ls-") as tmp:
        base = Path(tmp)
        annotations = base / "annotations"
        docs = list(generate(max(args.tasks, one_by_one), seed=args.seed))
        for d in docs[: args.tasks]:
            write_document(d, annotations)

        server.install()
        data = base / "data"
        port = server.free_port()
        rows = []
        try:
            # Inside the try: the pid file is written as soon as the process starts, so stop() finds it.
            startup, info = timed(lambda: server.start(port, data=data, states=base / "state"))
            conn = sync.connect(info.url, info.token_file.read_text(encoding="utf-8").strip())
            client = conn.client

            seconds, pushed = timed(lambda: sync.push("bench bulk", root=annotations, conn=conn))
            assert pushed.imported == args.tasks, pushed
            rows.append(("push (sync.push, bulk)", args.tasks, seconds))

            items = [{"data": task_data(d.document), "annotations": [{"result": to_result(d)}]} for d in docs]
            raw = client.projects.create(title="bench import only", label_config=labeling_config())

            def import_only() -> None:
                for start in range(0, args.tasks, sync.IMPORT_CHUNK):
                    chunk = items[start : min(start + sync.IMPORT_CHUNK, args.tasks)]
                    client.projects.import_tasks(raw.id, request=chunk, return_task_ids=True)

            seconds, _ = timed(import_only)
            rows.append(("import only (projects.import_tasks)", args.tasks, seconds))

            seconds, pulled = timed(lambda: sync.pull("bench bulk", root=annotations, conn=conn))
            assert len(pulled.unchanged) == args.tasks and not pulled.written, pulled
            rows.append(("pull (sync.pull)", args.tasks, seconds))

            project_id = pushed.project_id
            seconds, exported = timed(lambda: sync.export_snapshot(conn, project_id))
            assert len(exported) == args.tasks
            rows.append(("export only (snapshot export)", args.tasks, seconds))

            if one_by_one:
                single = client.projects.create(title="bench one by one", label_config=labeling_config())

                def each() -> None:
                    for item in items[:one_by_one]:
                        task = client.tasks.create(project=single.id, data=item["data"])
                        client.annotations.create(task.id, result=item["annotations"][0]["result"])

                seconds, _ = timed(each)
                assert len(sync.project_tasks(conn, single.id)) == one_by_one
                rows.append(("one request per task (tasks.create + annotations.create)", one_by_one, seconds))
            server_mb = tree_rss_mb(info.pid) if info.pid else float("nan")
        finally:
            server.stop(data)

    print(f"Label Studio {conn.version} (SQLite), {os.cpu_count()} cores shared by client and server")
    print(f"first start with migrations: {startup:.0f} s; server RSS at the end: {server_mb:.0f} MB")
    print(f"{'what':58} {'tasks':>6} {'seconds':>8} {'tasks/s':>8}")
    for what, n, seconds in rows:
        print(f"{what:58} {n:>6} {seconds:>8.1f} {n / seconds:>8.1f}")


if __name__ == "__main__":
    main()
