"""Merging a small batch: does the cost follow the change, not the corpus size?

    python benchmarks/merge.py --docs 5 5000 [100000] [--workdir DIR] [--repeat 3]

For each size a seeded synthetic corpus (corpus_pkg/synthetic.py, about 50 spans per
document) is written once (kept under --workdir between runs). The batch adds two entity
spans to one document, at words no span of the layer covers (found, never typed). Each run
is `python -m corpus_pkg merge BATCH --annotations A` in a fresh process; the one document
file it changes is restored afterwards, so every repeat merges the same batch into the same
corpus. Reported per size: CPU seconds (user + sys, from wait4), wall seconds and peak RSS,
best of --repeat; and beside it the floor: a fresh Python process that reads that one
document file, appends the two lines and writes it back atomically, which is the least a
merge must do. The last lines give CPU(largest) / CPU(smallest) and ours / floor.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import make_corpus  # noqa: E402  (the benchmarks share the corpus generator's cache)

FLOOR = """
import os, sys, tempfile
path, batch = sys.argv[1], sys.argv[2]
data = open(path, "rb").read() + open(batch, "rb").read()
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
os.write(fd, data); os.fsync(fd); os.close(fd); os.replace(tmp, path)
"""


def two_new_spans(root: Path) -> tuple[Path, list[str]]:
    """The first document's file and two entity span records over words no entity covers."""
    from corpus_pkg.jsonio import dumps
    from corpus_pkg.model import Provenance, make_span
    from corpus_pkg.storage import corpus_files, read_document

    path = corpus_files(root)[0]
    doc = read_document(path.stem, root)
    covered = [(s.start, s.end) for s in doc.spans if s.layer == "entity"]
    prov = Provenance("benchmark", "benchmarks/merge.py", "1", "gold")
    lines = []
    for m in re.finditer(r"\b[a-z]{5,}\b", doc.document.text):
        if any(a < m.end() and m.start() < b for a, b in covered):
            continue
        span = make_span(
            doc.document,
            id=f"bench-{len(lines)}",
            layer="entity",
            start=m.start(),
            end=m.end(),
            label="NORP",
            attributes={"kind": "NOM", "cluster": f"bench-{len(lines)}"},
            provenance=prov,
        )
        covered.append((m.start(), m.end()))
        lines.append(dumps(span.to_dict()))
        if len(lines) == 2:
            return path, lines
    raise RuntimeError(f"{path}: no two uncovered words to annotate")


def run(cmd: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mb": usage.ru_maxrss / 1024}


def best(results: list[dict[str, float]]) -> dict[str, float]:
    return min(results, key=lambda r: r["cpu"])


def measure(root: Path, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    path, lines = two_new_spans(root)
    backup = path.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch.jsonl"
        batch.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        ours, floor = [], []
        try:
            for _ in range(repeat):
                ours.append(run([sys.executable, "-m", "corpus_pkg", "merge", str(batch), "--annotations", str(root)]))
                path.write_bytes(backup)
                floor.append(run([sys.executable, "-c", FLOOR, str(path), str(batch)]))
                path.write_bytes(backup)
        finally:
            path.write_bytes(backup)
    return best(ours), best(floor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, nargs="+", default=[5, 5000])
    parser.add_argument("--workdir", type=Path, default=None, help="Keep the generated corpora here.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-merge-"))
    rows = []
    print("| documents | merge CPU s | wall s | peak RSS MB | floor CPU s | ours / floor (CPU) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.docs:
        root = work / f"corpus-{n}-seed{args.seed}"
        make_corpus(root, n, args.seed)
        ours, floor = measure(root, args.repeat)
        rows.append((n, ours))
        print(
            f"| {n:,} | {ours['cpu']:.2f} | {ours['wall']:.2f} | {ours['rss_mb']:.0f} | {floor['cpu']:.2f} | "
            f"{ours['cpu'] / floor['cpu']:.1f}x |",
            flush=True,
        )
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    (small, s), (large, big) = rows[0], rows[-1]
    print(f"cpu_ratio_{large}_to_{small}: {big['cpu'] / s['cpu']:.2f}")
    print(f"peak_rss_mb_at_{large}: {big['rss_mb']:.0f}")


if __name__ == "__main__":
    main()
