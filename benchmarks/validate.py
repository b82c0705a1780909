"""Validation of a JSONL batch: `corpus validate FILE` against honest peers, side by side in one run.

    python benchmarks/validate.py --spans 100000 1000000

For each size a seeded synthetic batch (documents of about 4 kB with about 47
spans and 10 relations each, see corpus_pkg/synthetic.py) is written as JSONL,
then the same file is checked, each in a fresh process, by
- peer-rs: orjson + a jsonschema-rs validator per record type + text[start:end] == text
  (the bare loop: schema and slice, none of our other rules),
- peer-fast: orjson + fastjsonschema compiled from the batch schema + the same slice check,
- peer-jsonschema: orjson + a compiled jsonschema Draft202012Validator per record type
  (format checking on) + the same slice check; it is slow, so it runs only up to
  --jsonschema-max spans,
- ours-1: `corpus validate FILE --jobs 1` (every rule), and ours-J: `--jobs J`.
peer-rs and ours-1, the two the ratio compares, run --repeat times (default 3), alternately,
and each line shows the run with the least CPU (noise on a shared machine only adds time);
the CPU of every one of those runs is printed too. Each line gives CPU seconds (user+sys
of the process and every child it waited for, from wait4), wall seconds, peak RSS of the
largest single process (wait4) and the peak of the summed RSS of the process tree (psutil,
sampled every 50 ms). The run ends with `ratio_to_peer: X`, peer-rs CPU / ours-1 CPU at
the largest size (1.0 = as fast as the bare loop; 0.5 = twice its CPU).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPANS_PER_DOC = 47  # what corpus_pkg.synthetic yields on average
ROOT = Path(__file__).resolve().parents[1]


def write_batch(path: Path, n_spans: int, seed: int) -> int:
    from corpus_pkg.storage import serialize
    from corpus_pkg.synthetic import generate

    spans = 0
    with open(path, "w", encoding="utf-8") as f:
        for doc in generate(math.ceil(n_spans / SPANS_PER_DOC), seed=seed):
            f.write(serialize(doc))
            spans += len(doc.spans)
    return spans


# -- the peers (each runs in its own process through --_peer) ------------------------------------------------------


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))


def _per_type(compile_one) -> tuple[dict, dict]:
    records = {
        "document": compile_one(_schema("document.schema.json")),
        "relation": compile_one(_schema("relation.schema.json")),
        "batch": compile_one(_schema("batch-record.schema.json")),
    }
    spans = {layer: compile_one(_schema(f"span-{layer}.schema.json")) for layer in ("entity", "date", "quote", "claim")}
    return records, spans


def _loop(path: str, ok) -> dict:
    """orjson per line, ``ok(record)`` for the schema, then the slice check against the current document."""
    import orjson

    errors = spans = 0
    text = ""
    with open(path, "rb") as f:
        for line in f:
            record = orjson.loads(line)
            if not ok(record):
                errors += 1
                continue
            kind = record["record"]
            if kind == "document":
                text = record["text"]  # one document at a time, as ours
            elif kind == "span":
                spans += 1
                s, e = record["start"], record["end"]
                if not (0 <= s < e <= len(text)) or text[s:e] != record["text"]:
                    errors += 1
    return {"errors": errors, "spans": spans}


def peer_rs(path: str) -> dict:
    import jsonschema_rs

    records, spans = _per_type(lambda s: jsonschema_rs.validator_for(s, validate_formats=True))

    def ok(r: dict) -> bool:
        v = spans[r["layer"]] if r["record"] == "span" else records[r["record"]]
        return v.is_valid(r)

    return _loop(path, ok)


def peer_fast(path: str) -> dict:
    import fastjsonschema

    check = fastjsonschema.compile(_schema("batch-record.schema.json"))

    def ok(r: dict) -> bool:
        try:
            check(r)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return _loop(path, ok)


def peer_jsonschema(path: str) -> dict:
    from jsonschema import Draft202012Validator

    records, spans = _per_type(lambda s: Draft202012Validator(s, format_checker=Draft202012Validator.FORMAT_CHECKER))

    def ok(r: dict) -> bool:
        v = spans[r["layer"]] if r["record"] == "span" else records[r["record"]]
        return v.is_valid(r)

    return _loop(path, ok)


PEERS = {"peer-rs": peer_rs, "peer-fast": peer_fast, "peer-jsonschema": peer_jsonschema}


# -- measuring -----------------------------------------------------------------------------------------------------


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Run ``cmd``; CPU (user+sys, children included) and largest RSS from wait4, tree RSS from psutil."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    top = psutil.Process(proc.pid)
    tree_peak = 0
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            raise RuntimeError(f"lost {cmd}") from None
        if pid:
            break
        total = 0
        with contextlib.suppress(psutil.Error):
            for p in [top, *top.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        tree_peak = max(tree_peak, total)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.communicate()
    return {
        "cpu": usage.ru_utime + usage.ru_stime,
        "wall": wall,
        "rss": usage.ru_maxrss / 1024,
        "tree": max(tree_peak / 2**20, usage.ru_maxrss / 1024),
        "rc": proc.returncode,
        "stdout": out.decode(),
        "stderr": err.decode(),
    }


def run_peer(name: str, path: Path, env: dict[str, str]) -> dict:
    m = measure([sys.executable, __file__, "--_peer", name, str(path)], env)
    if m["rc"] != 0:
        raise RuntimeError(f"{name} failed: {m['stderr'][-2000:]}")
    got = json.loads(m["stdout"].strip().splitlines()[-1])
    assert got["errors"] == 0, (name, got)
    return m | {"spans": got["spans"]}


def run_ours(jobs: int, path: Path, env: dict[str, str]) -> dict:
    m = measure([sys.executable, "-m", "corpus_pkg", "validate", str(path), "--jobs", str(jobs)], env)
    assert m["rc"] == 0, m["stdout"][-2000:] + m["stderr"][-2000:]
    return m


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spans", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2, help="processes for the second run of ours (`--jobs`)")
    p.add_argument(
        "--jsonschema-max", type=int, default=100_000, help="largest size the (slow) jsonschema peer runs on"
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of peer-rs and ours-1, alternated; the one with the least CPU of each counts (default 3)",
    )
    p.add_argument("--_peer", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._peer:
        name, path = args._peer
        print(json.dumps(PEERS[name](path)))
        return
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    last: dict[str, dict] = {}
    head = f"{'spans':>9} {'MB':>5}  {'what':<16} {'CPU s':>7} {'wall s':>7} {'spans/CPU s':>11}"
    print(f"{head} {'RSS MB':>6} {'tree MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        annotations = Path(tmp) / "annotations"
        (annotations / "corpus").mkdir(parents=True)
        env["CORPUS_ANNOTATIONS"] = str(annotations)
        for n in args.spans:
            batch = Path(tmp) / f"batch-{n}.jsonl"
            spans = write_batch(batch, n, args.seed)
            mb = batch.stat().st_size / 1e6
            # The two runs the ratio compares are repeated, alternately, and each keeps its run with the least
            # CPU: on a shared machine noise only ever adds time, so the least is the truest (as timeit does).
            paired: dict[str, list[dict]] = {"peer-rs": [], "ours-1": []}
            for _ in range(max(1, args.repeat)):
                paired["peer-rs"].append(run_peer("peer-rs", batch, env))
                paired["ours-1"].append(run_ours(1, batch, env))
            rows: dict[str, dict] = {}
            for name in PEERS:
                if name == "peer-jsonschema" and n > args.jsonschema_max:
                    continue
                rows[name] = min(paired[name], key=lambda m: m["cpu"]) if name in paired else run_peer(name, batch, env)
                assert rows[name]["spans"] == spans
            rows["ours-1"] = min(paired["ours-1"], key=lambda m: m["cpu"])
            rows[f"ours-{args.jobs}"] = run_ours(args.jobs, batch, env)
            for name, m in rows.items():
                print(
                    f"{spans:>9} {mb:>5.0f}  {name:<16} {m['cpu']:>7.2f} {m['wall']:>7.2f} "
                    f"{spans / m['cpu']:>11,.0f} {m['rss']:>6.0f} {m['tree']:>7.0f}",
                    flush=True,
                )
            for name, ms in paired.items():
                cpus = ", ".join(f"{m['cpu']:.2f}" for m in ms)
                print(f"{spans:>9} {'':>5}  {name} CPU s of the {len(ms)} alternated runs: {cpus}", flush=True)
            ours = rows["ours-1"]["cpu"]
            for name in PEERS:
                if name in rows:
                    print(f"{spans:>9} {'':>5}  ours-1 CPU / {name} CPU: {ours / rows[name]['cpu']:.2f}", flush=True)
            last = rows
            batch.unlink()
    print(f"ratio_to_peer: {last['peer-rs']['cpu'] / last['ours-1']['cpu']:.2f}")


if __name__ == "__main__":
    main()
