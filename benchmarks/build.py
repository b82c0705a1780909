"""Build and load at scale: `corpus build` in documents per second and peak memory, then loading the result.

    python benchmarks/build.py --docs 10000 30000 100000 [--jobs 2] [--workdir DIR] [--steps build,load]

For each size a seeded synthetic corpus (documents of about 4 kB with about 50
spans and 10 relations each, see corpus_pkg/synthetic.py) is written as an
annotations folder, one file per document; with --workdir it is kept there and
reused by later runs with the same size and seed.

build: `python -m corpus_pkg build --annotations A --out O` in a fresh process
(so the time includes interpreter start, imports, validation of every document,
the Parquet files, card, croissant.json and MANIFEST). Reported: wall seconds,
documents per second, the peak RSS of the largest single process (wait4) and of
the whole process tree (the parent and its shard workers, sampled every 0.1 s).

load: per config, each in a fresh process with a fresh HF_DATASETS_CACHE:
`datasets.load_dataset(DIR, config)` cold, the same again warm (same cache, new
process), cold with num_proc=2, `load_dataset(..., streaming=True)` up to its
first 1,000 rows, and `pyarrow.parquet.read_table` of the same files (the floor).
Times exclude `import datasets`, which is reported once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(REPO))


# ---------------------------------------------------------------- corpus


def make_corpus(root: Path, n_docs: int, seed: int) -> float:
    """Write ``n_docs`` synthetic documents under ``root`` unless a previous run left the same; seconds taken."""
    from corpus_pkg.storage import write_document
    from corpus_pkg.synthetic import generate

    marker = root / "SYNTHETIC.json"
    want = {"docs": n_docs, "seed": seed}
    if marker.is_file() and json.loads(marker.read_text()) == want:
        return 0.0
    shutil.rmtree(root, ignore_errors=True)
    (root / "corpus").mkdir(parents=True)
    t0 = time.perf_counter()
    for doc in generate(n_docs, seed=seed):
        write_document(doc, root)
    marker.write_text(json.dumps(want))
    return time.perf_counter() - t0


# ---------------------------------------------------------------- memory of a process tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{p}/task/{tid}/children", encoding="ascii") as f:
                    kids = [int(c) for c in f.read().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``cmd``: wall seconds, peak RSS of its largest process and of its whole tree (MB), its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(_rss_kb(p) for p in [proc.pid, *_descendants(proc.pid)]))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives this child's own rusage; its ru_maxrss covers the workers it reaped too.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.read()[-3000:]}")
        return {"seconds": seconds, "largest_mb": usage.ru_maxrss / 1024, "tree_mb": peak / 1024, "stdout": out.read()}


def measure_build(annotations: Path, out: Path, jobs: int | None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    if jobs is None:
        cmd = [sys.executable, "-m", "corpus_pkg", "build", "--annotations", str(annotations), "--out", str(out)]
    else:  # the command line has no --jobs; builder.build is what it runs
        cmd = [sys.executable, __file__, "--_build", str(annotations), str(out), str(jobs)]
    return run_measured(cmd, env=dict(os.environ, PYTHONPATH=str(REPO)))


def _build_child(annotations: str, out: str, jobs: str) -> None:
    from corpus_pkg import builder

    result = builder.build(Path(annotations), Path(out), jobs=int(jobs))
    print(f"{len(result.written)} written")


# ---------------------------------------------------------------- load


_LOAD_CHILD = r"""
import json, os, sys, time, resource
t0 = time.perf_counter()
import datasets, pyarrow.parquet as pq
datasets.disable_progress_bars()
datasets.logging.set_verbosity_error()
imported = time.perf_counter() - t0
how, folder, config = sys.argv[1:4]
t = time.perf_counter()
if how == "pyarrow":
    files = sorted(os.path.join(folder, "data", config, f) for f in os.listdir(os.path.join(folder, "data", config)))
    rows = pq.read_table(files).num_rows
elif how == "stream":
    ds = datasets.load_dataset(folder, config, split="test", streaming=True)
    rows = sum(1 for _ in zip(range(1000), ds))
else:
    kw = {"num_proc": 2} if how == "cold2" else {}
    rows = datasets.load_dataset(folder, config, split="test", **kw).num_rows
seconds = time.perf_counter() - t
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "rows": rows, "import": imported, "rss_mb": peak / 1024}))
"""


def measure_load(how: str, folder: Path, config: str, cache: Path) -> dict:
    env = dict(os.environ, HF_DATASETS_CACHE=str(cache), HF_HUB_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-c", _LOAD_CHILD, how, str(folder), config],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"load {how} {config} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_table(folder: Path, tmp: Path) -> list[str]:
    from corpus_pkg.hf import CONFIGS

    lines = [
        f"{'config':10} {'rows':>9} {'files':>5} {'MB':>7} | {'cold s':>7} {'warm s':>7} {'cold np2':>8} "
        f"{'stream1k':>8} {'pyarrow':>7} | {'RSS cold':>8} {'warm':>5} {'pyarrow':>7}"
    ]
    imports = []
    for config in CONFIGS:
        files = sorted((folder / "data" / config).glob("*.parquet"))
        mb = sum(f.stat().st_size for f in files) / 1e6
        cache, cache2 = tmp / f"cache-{config}", tmp / f"cache2-{config}"
        cold = measure_load("cold", folder, config, cache)
        warm = measure_load("warm", folder, config, cache)
        cold2 = measure_load("cold2", folder, config, cache2)
        stream = measure_load("stream", folder, config, tmp / f"cache3-{config}")
        arrow = measure_load("pyarrow", folder, config, tmp / "unused")
        assert cold["rows"] == warm["rows"] == cold2["rows"] == arrow["rows"], (config, cold, warm, cold2, arrow)
        imports.append(cold["import"])
        for c in (cache, cache2):
            shutil.rmtree(c, ignore_errors=True)
        lines.append(
            f"{config:10} {cold['rows']:>9} {len(files):>5} {mb:>7.1f} | {cold['seconds']:>7.2f} "
            f"{warm['seconds']:>7.2f} {cold2['seconds']:>8.2f} {stream['seconds']:>8.2f} {arrow['seconds']:>7.2f} | "
            f"{cold['rss_mb']:>8.0f} {warm['rss_mb']:>5.0f} {arrow['rss_mb']:>7.0f}"
        )
    lines.append(
        f"import datasets + pyarrow: {min(imports):.2f} to {max(imports):.2f} s per process (not in the times)"
    )
    return lines


# ---------------------------------------------------------------- main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, help="shard workers for builder.build (default: `corpus build`, all cores)")
    p.add_argument("--workdir", type=Path, help="keep the corpora and built folders here and reuse them")
    p.add_argument("--steps", default="build,load", help="comma-separated: build, load")
    p.add_argument("--_build", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._build:
        _build_child(*args._build)
        return
    steps = set(args.steps.split(","))

    import corpus_pkg.builder as builder
    import corpus_pkg.hf as hf

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp_name:
        work = args.workdir or Path(tmp_name)
        work.mkdir(parents=True, exist_ok=True)
        builds, loads = [], {}
        for n in args.docs:
            annotations, out = work / f"annotations-{n}", work / f"dataset-{n}"
            made = make_corpus(annotations, n, args.seed)
            note = f"generated in {made:.0f} s" if made else "reused"
            mb = sum(f.stat().st_size for f in (annotations / "corpus").glob("*.jsonl")) / 1e6
            print(f"{n} documents, {mb:.0f} MB of JSONL ({note})", file=sys.stderr)
            if "build" in steps:
                r = measure_build(annotations, out, args.jobs)
                files = sum(1 for _ in out.rglob("*.parquet"))
                size = sum(f.stat().st_size for f in out.rglob("*.parquet")) / 1e6
                builds.append((n, mb, builder.shard_count(n), files, size, r))
            if "load" in steps:
                if not (out / hf.README).is_file():
                    raise SystemExit(f"{out} is not built; run with --steps build first (and --workdir)")
                with tempfile.TemporaryDirectory(prefix="bench-load-") as t:
                    loads[n] = load_table(out, Path(t))
        if builds:
            how = "corpus build" if args.jobs is None else f"builder.build(jobs={args.jobs})"
            print(f"{how} on {os.cpu_count()} cores (wall time includes start-up, imports and validation)")
            print(
                f"{'docs':>7} {'JSONL MB':>8} {'shards':>6} {'files':>5} {'Parquet MB':>10} | "
                f"{'seconds':>7} {'docs/s':>7} | {'RSS largest MB':>14} {'RSS tree MB':>11}"
            )
            for n, mb, shards, files, size, r in builds:
                print(
                    f"{n:>7} {mb:>8.0f} {shards:>6} {files:>5} {size:>10.1f} | {r['seconds']:>7.1f} "
                    f"{n / r['seconds']:>7.0f} | {r['largest_mb']:>14.0f} {r['tree_mb']:>11.0f}"
                )
        for n, lines in loads.items():
            print(f"\nload_dataset at {n} documents (seconds; RSS in MB)")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
