"""Validation throughput and peak memory: `corpus validate` against a one-record-at-a-time jsonschema baseline.

    python benchmarks/validate.py --spans 10000 100000 1000000

For each size a seeded synthetic batch (documents of about 4 kB with about 50
spans and 10 relations each, see corpus_pkg/synthetic.py) is written as JSONL,
then validated in fresh processes by
- ours: `corpus validate FILE` (streaming, fast schema path), with one process and with --jobs, and
- baseline: json.loads + Draft202012Validator.iter_errors on every record, then a
  Python loop for the offset and text checks.
Each prints spans per second and peak RSS; the run ends with `speedup: X` at the largest N.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPANS_PER_DOC = 47  # what corpus_pkg.synthetic yields on average


def write_batch(path: Path, n_spans: int, seed: int) -> int:
    from corpus_pkg.storage import serialize
    from corpus_pkg.synthetic import generate

    spans = 0
    with open(path, "w", encoding="utf-8") as f:
        for doc in generate(math.ceil(n_spans / SPANS_PER_DOC), seed=seed):
            f.write(serialize(doc))
            spans += len(doc.spans)
    return spans


def run_ours(path: Path, annotations: Path, jobs: int) -> dict:
    from corpus_pkg.batches import validate_paths

    t0 = time.perf_counter()
    report = validate_paths([path], annotations, jobs=jobs)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "errors": len(report.errors), "spans": report.counts.get("span", 0)}


def run_baseline(path: Path) -> dict:
    from jsonschema import Draft202012Validator

    from corpus_pkg.schemas import batch_schema

    validator = Draft202012Validator(batch_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    t0 = time.perf_counter()
    errors = spans = 0
    texts: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            problems = list(validator.iter_errors(record))
            errors += len(problems)
            if problems:
                continue
            if record["record"] == "document":
                texts = {record["doc_id"]: record["text"]}  # one document at a time, as ours
            elif record["record"] == "span":
                spans += 1
                text = texts.get(record["doc_id"], "")
                s, e = record["start"], record["end"]
                if not (0 <= s < e <= len(text)) or text[s:e] != record["text"]:
                    errors += 1
    return {"seconds": time.perf_counter() - t0, "errors": errors, "spans": spans}


def measure(which: str, path: Path, annotations: Path) -> dict:
    """Run one side in a fresh process so its peak RSS is its own (workers' peaks are counted too)."""
    out = subprocess.run(
        [sys.executable, __file__, "--_run", which, str(path), str(annotations)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spans", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2, help="processes for ours (as `corpus validate --jobs`)")
    p.add_argument("--_run", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._run:
        which, path, annotations = args._run
        if which.startswith("ours"):
            result = run_ours(Path(path), Path(annotations), int(which.split("-")[1]))
        else:
            result = run_baseline(Path(path))
        result["peak_rss_mb"] = (
            max(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            )
            / 1024
        )
        print(json.dumps(result))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        annotations = Path(tmp) / "annotations"
        (annotations / "corpus").mkdir(parents=True)
        for n in args.spans:
            batch = Path(tmp) / f"batch-{n}.jsonl"
            spans = write_batch(batch, n, args.seed)
            one = measure("ours-1", batch, annotations)
            ours = measure(f"ours-{args.jobs}", batch, annotations)
            base = measure("baseline", batch, annotations)
            assert one["errors"] == ours["errors"] == base["errors"] == 0, (one, ours, base)
            assert one["spans"] == ours["spans"] == base["spans"] == spans
            rows.append((spans, batch.stat().st_size / 1e6, one, ours, base))
            batch.unlink()
    jobs = args.jobs
    print(
        f"{'spans':>9} {'MB':>6} | {'1 proc s':>8} {'spans/s':>8} {'RSS MB':>6} | {jobs} procs s {'spans/s':>8} "
        f"{'RSS MB':>6} | {'base s':>7} {'spans/s':>7} {'RSS MB':>6} | speedup"
    )
    for spans, mb, one, o, b in rows:
        print(
            f"{spans:>9} {mb:>6.0f} | "
            f"{one['seconds']:>8.2f} {spans / one['seconds']:>8.0f} {one['peak_rss_mb']:>6.0f} | "
            f"{o['seconds']:>9.2f} {spans / o['seconds']:>8.0f} {o['peak_rss_mb']:>6.0f} | "
            f"{b['seconds']:>7.1f} {spans / b['seconds']:>7.0f} {b['peak_rss_mb']:>6.0f} | "
            f"{b['seconds'] / o['seconds']:.1f}x"
        )
    spans, _, _, o, b = rows[-1]
    print(f"speedup: {b['seconds'] / o['seconds']:.1f}")


if __name__ == "__main__":
    main()
