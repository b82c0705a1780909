"""Build and load at scale: `corpus build` in documents per second, CPU and peak memory, beside its floor.

    python benchmarks/build.py --docs 100000 [--jobs 2] [--workdir DIR] [--steps build,floor,ner,writer,load,numproc]
                               [--baseline DIR] [--repeat 1]

For each size a seeded synthetic corpus (documents of about 4 kB with about 50
spans and 10 relations each, see corpus_pkg/synthetic.py) is written as an
annotations folder, one file per document; with --workdir it is kept there and
reused by later runs with the same size and seed.

build: `python -m corpus_pkg build --annotations A --out O` in a fresh process
(so the time includes interpreter start, imports, validation of every document,
the Parquet files, card, croissant.json and MANIFEST). Reported: wall seconds,
documents per second, the peak RSS of the largest single process (wait4) and of
the whole process tree (the parent and its shard workers, sampled every 0.1 s).
Before each build every corpus file is read once, untimed ("warm-up s"), so ours
and the baseline start with the same page cache; a build of cold files on a slow
disk measures the disk (the build reads the next run's files ahead while it
computes, which hides part of that).

floor: the least any build of these tables costs, in a fresh process: every corpus file read with
`pyarrow.json.read_json` (the files of 5,000 documents joined into one buffer at a time, pyarrow's
threads on), and the tables our build wrote (read back beforehand, untimed) written again with
`pyarrow.parquet` and our writer settings. Reported: wall and CPU seconds of the two timed parts; ours
as a multiple of it.

ner: where a document's CPU goes, on the first --ner-sample documents in one process (ms of CPU per
document): reading and validating its file on the valid path (validate.clean_corpus_file), the ner
table with its fingerprint (of it spaCy's tokenizer alone, the one per-token cost), the tables of the
other five configs, and writing them all as Parquet.

writer: the Parquet writer settings, on the tables of the built folder's first shard (up to 5,000
documents, row group by row group as the build wrote them), in one process: ours
(tables.writer_options), then each with one setting changed (no delta encoding of integer columns,
dictionary encoding on, zstd level 9). Reported per setting: CPU ms per document to write all six
files, their MB, and the CPU ms per document of `pyarrow.parquet.read_table` of them (best of 3).

numproc: what building through `datasets`' own parallelism (`Dataset.map(..., num_proc=N)`) would add
to the same per-document work, at the least: map writes each batch's output into its Arrow cache
before any Parquet can be written. Timed in a fresh process: every config's table of the built folder
(read beforehand, untimed) written with datasets' ArrowWriter, as map writes its output. A lower bound:
the passes that would derive the other configs from map's one output table are not counted.

--baseline DIR builds the same corpus with the code checked out in DIR (e.g. a `git worktree` of an
older commit) in the same run, so "today" and ours are measured in the same conditions. --repeat N
builds each N times, the baseline and ours alternated; every build is printed, and the speed-up and the
multiples of the floor use each one's least wall and least CPU seconds (noise only adds time) and its
largest process tree.

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


def run_measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run ``cmd``: wall seconds, peak RSS of its largest process and of its whole tree (MB), its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True, cwd=cwd)
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
        _, status, usage = os.wait4(proc.pid, 0)  # its CPU includes the children it waited for
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.read()[-3000:]}")
        return {
            "seconds": seconds,
            "cpu": usage.ru_utime + usage.ru_stime,
            "largest_mb": usage.ru_maxrss / 1024,
            "tree_mb": peak / 1024,
            "stdout": out.read(),
        }


def run_child(script: str, *args: object) -> dict:
    """Run ``python -c script args``: what ``run_measured`` measures, and the JSON object of its last line."""
    r = run_measured([sys.executable, "-c", script, *map(str, args)])
    return {**r, **json.loads(r["stdout"].strip().splitlines()[-1])}


def warm_cache(annotations: Path) -> float:
    """Read every corpus file once (untimed for the build), so each build starts with its input in the page
    cache: the same state for ours and the baseline. On this machine pages are reclaimed while idle, and
    a build of 100,000 cold files waits on the disk (2.7 GB) more than it computes. Seconds taken."""
    from concurrent.futures import ThreadPoolExecutor

    def read(path: Path) -> None:
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(read, (annotations / "corpus").glob("*.jsonl")))
    return time.perf_counter() - t0


def parquet_files(folder: Path) -> tuple[int, float]:
    """How many Parquet files a built folder holds, and their MB."""
    files = list(folder.rglob("*.parquet"))
    return len(files), sum(f.stat().st_size for f in files) / 1e6


def measure_build(annotations: Path, out: Path, jobs: int | None, code: Path = REPO) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    warmed = warm_cache(annotations)
    if jobs is None:
        cmd = [sys.executable, "-m", "corpus_pkg", "build", "--annotations", str(annotations), "--out", str(out)]
    else:  # the command line has no --jobs; builder.build is what it runs
        cmd = [sys.executable, __file__, "--_build", str(annotations), str(out), str(jobs)]
    before = os.getloadavg()[0]
    # cwd too: `python -m` puts the working directory before PYTHONPATH
    r = run_measured(cmd, env=dict(os.environ, PYTHONPATH=str(code)), cwd=code)
    r["load"] = (before, os.getloadavg()[0])
    r["warmed"] = warmed
    return r


# ---------------------------------------------------------------- floor and ner cost


_FLOOR_CHILD = r"""
import json, os, sys, time, tempfile
import pyarrow as pa, pyarrow.json as pj, pyarrow.parquet as pq
sys.path.insert(0, sys.argv[3])
from corpus_pkg.tables import PARQUET_OPTIONS, writer_options
corpus, built = sys.argv[1:3]
files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".jsonl"))
read_wall = read_cpu = 0.0
rows = 0
for i in range(0, len(files), 5000):
    t, c = time.perf_counter(), time.process_time()
    data = b"".join(open(f, "rb").read() for f in files[i : i + 5000])
    rows += pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(block_size=1 << 22)).num_rows
    read_wall += time.perf_counter() - t
    read_cpu += time.process_time() - c
    del data
size = PARQUET_OPTIONS["row_group_size"]
write_wall = write_cpu = 0.0
with tempfile.TemporaryDirectory() as tmp:
    for root, _, names in os.walk(os.path.join(built, "data")):
        for name in sorted(names):
            tbl = pq.read_table(os.path.join(root, name))
            t, c = time.perf_counter(), time.process_time()
            pq.write_table(tbl, os.path.join(tmp, "x.parquet"), row_group_size=size, **writer_options(tbl.schema))
            write_wall += time.perf_counter() - t
            write_cpu += time.process_time() - c
            del tbl
print(json.dumps({"read_wall": read_wall, "read_cpu": read_cpu, "write_wall": write_wall, "write_cpu": write_cpu,
                  "records": rows}))
"""


# What building through `datasets`' own parallelism (`Dataset.map(..., num_proc=N)`) adds to the same
# per-document work: map writes each batch's output table into its Arrow cache before anything can be
# written as Parquet. Timed here: every config's table of the built folder (read beforehand, untimed)
# written with datasets' ArrowWriter in its default record batches, as map writes them.
_NUMPROC_CHILD = r"""
import json, os, sys, tempfile, time
import pyarrow.parquet as pq
from datasets.arrow_writer import ArrowWriter
from datasets.features import Features
built = sys.argv[1]
wall = cpu = 0.0
nbytes = 0
with tempfile.TemporaryDirectory() as tmp:
    for config in sorted(os.listdir(os.path.join(built, "data"))):
        folder = os.path.join(built, "data", config)
        tbl = pq.read_table([os.path.join(folder, f) for f in sorted(os.listdir(folder))])
        features = Features.from_arrow_schema(tbl.schema)
        t, c = time.perf_counter(), time.process_time()
        writer = ArrowWriter(features=features, path=os.path.join(tmp, config + ".arrow"))
        writer.write_table(tbl)
        _, size = writer.finalize()
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
        nbytes += size
        os.remove(os.path.join(tmp, config + ".arrow"))
        del tbl
print(json.dumps({"wall": wall, "cpu": cpu, "bytes": nbytes}))
"""


def measure_numproc(built: Path) -> dict:
    return run_child(_NUMPROC_CHILD, built)


def measure_floor(annotations: Path, built: Path) -> dict:
    return run_child(_FLOOR_CHILD, annotations / "corpus", built, REPO)


_NER_CHILD = r"""
import gc, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import pyarrow as pa
from corpus_pkg import hf, tables, tokens
from corpus_pkg.validate import clean_corpus_file
paths = sorted(Path(sys.argv[1]).glob("*.jsonl"))[: int(sys.argv[2])]
gc.disable()
nlp = tokens._nlp()
ner, rest = tables.TableBuilder(["ner"]), tables.TableBuilder(hf.CONFIGS[:-1])
docs = [clean_corpus_file(p) for p in paths[:5]]
ner.tables(docs), rest.tables(docs)  # warm up: features, the tokenizer's cache of a few words
def cpu_ms(fn):
    c = time.process_time()
    got = fn()
    return (time.process_time() - c) * 1000 / len(paths), got
runs = lambda docs: [docs[i : i + tables.CHUNK_DOCS] for i in range(0, len(docs), tables.CHUNK_DOCS)]
out = {"docs": len(paths)}
out["read"], docs = cpu_ms(lambda: [clean_corpus_file(p) for p in paths])
assert all(d is not None for d in docs), "the sample is not clean"
out["tokenizer"], _ = cpu_ms(lambda: [nlp.tokenizer(d.document["text"]) for d in docs])
out["tokens"] = sum(len(nlp.tokenizer(d.document["text"])) for d in docs[:200]) / min(200, len(docs))
out["ner_table"], made = cpu_ms(lambda: [ner.tables(r) for r in runs(docs)])
out["other_tables"], made_rest = cpu_ms(lambda: [rest.tables(r) for r in runs(docs)])
schemas = {**ner.schemas, **rest.schemas}
sinks = {c: pa.BufferOutputStream() for c in schemas}
def write():
    shard = tables.ParquetShard(sinks, schemas)
    for a, b in zip(made, made_rest):
        shard.write({**a, **b})
    shard.close()
out["parquet"], _ = cpu_ms(write)
print(json.dumps(out))
"""


def measure_ner(annotations: Path, sample: int) -> dict:
    return run_child(_NER_CHILD, annotations / "corpus", sample, REPO)


_WRITER_CHILD = r"""
import json, os, sys, time, io
import pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, sys.argv[2])
from corpus_pkg import tables
folder = sys.argv[1]
runs, docs = {}, 0
for config in sorted(os.listdir(os.path.join(folder, "data"))):
    here = os.path.join(folder, "data", config)
    f = pq.ParquetFile(os.path.join(here, sorted(os.listdir(here))[0]))
    runs[config] = [f.read_row_group(i) for i in range(f.num_row_groups)]
    if config == "documents":
        docs = f.metadata.num_rows
variants = {
    "ours": {},
    "no delta": {"column_encoding": None},
    "dictionary": {"column_encoding": None, "use_dictionary": True},
    "zstd 9": {"compression_level": 9},
}
out = {"docs": docs}
for name, change in variants.items():
    write_cpu = read_cpu = 1e9
    for _ in range(3):
        files = {}
        c = time.process_time()
        for config, rs in runs.items():
            options = {**tables.writer_options(rs[0].schema), **change}
            options = {k: v for k, v in options.items() if v is not None}
            sink = io.BytesIO()
            with pq.ParquetWriter(sink, rs[0].schema, **options) as w:
                for r in rs:
                    w.write_table(r, row_group_size=tables.PARQUET_OPTIONS["row_group_size"])
            files[config] = sink.getvalue()
        write_cpu = min(write_cpu, time.process_time() - c)
        c = time.process_time()
        for data in files.values():
            pq.read_table(pa.BufferReader(data))
        read_cpu = min(read_cpu, time.process_time() - c)
    out[name] = {"write_ms": write_cpu * 1000 / docs, "read_ms": read_cpu * 1000 / docs,
                 "mb": sum(map(len, files.values())) / 1e6, "ner_mb": len(files["ner"]) / 1e6}
print(json.dumps(out))
"""


def measure_writer(out: Path) -> dict:
    return run_child(_WRITER_CHILD, out, REPO)


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
        f"{'stream1k':>8} {'pyarrow':>7} {'cold/pa':>7} | {'RSS cold':>8} {'warm':>5} {'pyarrow':>7}"
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
            f"{warm['seconds']:>7.2f} {cold2['seconds']:>8.2f} {stream['seconds']:>8.2f} {arrow['seconds']:>7.2f} "
            f"{cold['seconds'] / arrow['seconds']:>7.2f} | "
            f"{cold['rss_mb']:>8.0f} {warm['rss_mb']:>5.0f} {arrow['rss_mb']:>7.0f}"
        )
    lines.append(
        f"import datasets + pyarrow: {min(imports):.2f} to {max(imports):.2f} s per process (not in the times)"
    )
    return lines


# ---------------------------------------------------------------- main


def _least(builds: list) -> dict[int, dict]:
    """Per corpus size, the least wall and the least CPU seconds of its builds (noise on a shared machine only
    adds time), and the largest process tree (memory is a limit, so its worst run counts)."""
    out: dict[int, dict] = {}
    for n, *_, r in builds:
        m = out.setdefault(n, {"seconds": r["seconds"], "cpu": r["cpu"], "tree_mb": r["tree_mb"]})
        m["seconds"], m["cpu"] = min(m["seconds"], r["seconds"]), min(m["cpu"], r["cpu"])
        m["tree_mb"] = max(m["tree_mb"], r["tree_mb"])
    return out


def _build_lines(how: str, builds: list) -> list[str]:
    lines = [
        f"{how}: {'docs':>7} {'JSONL MB':>8} {'shards':>6} {'files':>5} {'Parquet MB':>10} | {'wall s':>7} "
        f"{'CPU s':>7} {'docs/s':>7} | {'RSS largest MB':>14} {'RSS tree MB':>11} | load avg before, after "
        "| warm-up s"
    ]
    for n, mb, shards, files, size, r in builds:
        lines.append(
            f"{how}: {n:>7} {mb:>8.0f} {shards:>6} {files:>5} {size:>10.1f} | {r['seconds']:>7.1f} {r['cpu']:>7.1f} "
            f"{n / r['seconds']:>7.0f} | {r['largest_mb']:>14.0f} {r['tree_mb']:>11.0f} | "
            f"{r['load'][0]:.2f}, {r['load'][1]:.2f} | {r['warmed']:.1f}"
        )
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, help="shard workers for builder.build (default: `corpus build`, all cores)")
    p.add_argument("--workdir", type=Path, help="keep the corpora and built folders here and reuse them")
    p.add_argument(
        "--steps", default="build,floor,ner", help="comma-separated: build, floor, ner, writer, load, numproc"
    )
    p.add_argument("--baseline", type=Path, help="a checkout of older code to build the same corpus with")
    p.add_argument(
        "--repeat", type=int, default=1, help="builds of each (the baseline and ours alternated); the least time counts"
    )
    p.add_argument("--ner-sample", type=int, default=2_000, help="documents for the ner cost (default 2,000)")
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
        builds, olds, floors, ners, writers, loads, numprocs = [], [], {}, {}, {}, {}, {}
        for n in args.docs:
            annotations, out = work / f"annotations-{n}", work / f"dataset-{n}"
            made = make_corpus(annotations, n, args.seed)
            note = f"generated in {made:.0f} s" if made else "reused"
            mb = sum(f.stat().st_size for f in (annotations / "corpus").glob("*.jsonl")) / 1e6
            print(f"{n} documents, {mb:.0f} MB of JSONL ({note})", file=sys.stderr)
            for _ in range(args.repeat if "build" in steps else 0):  # alternated, so both meet the same noise
                if args.baseline is not None:
                    old = work / f"dataset-{n}-baseline"
                    r = measure_build(annotations, old, args.jobs, args.baseline)
                    olds.append((n, mb, builder.shard_count(n), *parquet_files(old), r))
                    shutil.rmtree(old, ignore_errors=True)
                r = measure_build(annotations, out, args.jobs)
                builds.append((n, mb, builder.shard_count(n), *parquet_files(out), r))
            if steps & {"floor", "writer", "load", "numproc"} and not (out / hf.README).is_file():
                raise SystemExit(f"{out} is not built; run with --steps build first (and --workdir)")
            if "floor" in steps:
                floors[n] = measure_floor(annotations, out)
            if "writer" in steps:
                writers[n] = measure_writer(out)
            if "numproc" in steps:
                numprocs[n] = measure_numproc(out)
            if "ner" in steps:
                ners[n] = measure_ner(annotations, min(n, args.ner_sample))
            if "load" in steps:
                with tempfile.TemporaryDirectory(prefix="bench-load-") as t:
                    loads[n] = load_table(out, Path(t))
        print(f"{os.cpu_count()} cores; wall and CPU include start-up, imports and validation; CPU includes workers")
        how = "ours" if args.jobs is None else f"ours, jobs={args.jobs}"
        if builds:
            print("\n".join(_build_lines(how, builds)))
        if olds:
            print("\n".join(_build_lines(f"baseline {args.baseline}", olds)))
        ours, before = _least(builds), _least(olds)
        for n, f in floors.items():
            wall, cpu = f["read_wall"] + f["write_wall"], f["read_cpu"] + f["write_cpu"]
            print(
                f"floor at {n} documents: read_json {f['read_wall']:.1f} s wall, {f['read_cpu']:.1f} s CPU "
                f"({f['records']} records); write Parquet {f['write_wall']:.1f} s wall, {f['write_cpu']:.1f} s CPU; "
                f"together {wall:.1f} s wall, {cpu:.1f} s CPU"
            )
            if n in ours:
                print(f"ours / floor at {n}: {ours[n]['seconds'] / wall:.1f}x wall, {ours[n]['cpu'] / cpu:.1f}x CPU")
        for n, m in numprocs.items():
            print(
                f"datasets' num_proc route at {n}: its Arrow cache of the same tables ({m['bytes'] / 1e6:.0f} MB) "
                f"costs {m['wall']:.1f} s wall, {m['cpu']:.1f} s CPU more than ours, before any Parquet is written"
            )
            if n in ours:
                print(f"  that is {m['cpu'] / ours[n]['cpu']:.0%} of our build's CPU at {n}")
        for n, k in ners.items():
            parts = k["read"] + k["ner_table"] + k["other_tables"] + k["parquet"]
            print(
                f"cost per document at {n} (first {k['docs']} documents, {k['tokens']:.0f} tokens a document, CPU ms, "
                f"one process): read and validate {k['read']:.2f}, ner table with fingerprint {k['ner_table']:.2f} "
                f"(of it spaCy's tokenizer {k['tokenizer']:.2f}), the other five tables {k['other_tables']:.2f}, "
                f"Parquet {k['parquet']:.2f}; together {parts:.2f}"
            )
            if n in ours:
                print(
                    f"ner table at {n}: about {k['ner_table'] * n / 1000:.0f} s of CPU of the build's "
                    f"{ours[n]['cpu']:.0f} s (the tokenizer alone {k['tokenizer'] * n / 1000:.0f} s)"
                )
        for n, w in writers.items():
            docs = w["docs"]
            print(f"Parquet writer settings at {n} (tables of the first shard, {docs} documents, CPU ms a document):")
            for name in ("ours", "no delta", "dictionary", "zstd 9"):
                v = w[name]
                print(
                    f"  {name:10} write {v['write_ms']:.3f}  read_table {v['read_ms']:.3f}  "
                    f"{v['mb']:.1f} MB (ner {v['ner_mb']:.1f} MB)"
                )
        for n, r in before.items():
            if n in ours:
                pairs = [(o[-1], b[-1]) for o, b in zip(olds, builds, strict=True) if o[0] == n]
                each = ", ".join(f"{o['seconds'] / b['seconds']:.2f}x/{o['cpu'] / b['cpu']:.2f}x" for o, b in pairs)
                print(
                    f"speed-up at {n}: {r['seconds'] / ours[n]['seconds']:.2f}x wall, "
                    f"{r['cpu'] / ours[n]['cpu']:.2f}x CPU, RSS tree {r['tree_mb']:.0f} -> {ours[n]['tree_mb']:.0f} MB"
                    + (f" (least of {len(pairs)} runs each; each pair, wall/CPU: {each})" if len(pairs) > 1 else "")
                )
        for n, lines in loads.items():
            print(f"\nload_dataset at {n} documents (seconds; RSS in MB)")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
