"""Load times per config: `datasets.load_dataset` cold and warm beside a plain `pyarrow.parquet.read_table`.

Cold = a fresh Hugging Face cache folder in a temporary directory (the Parquet
files are converted to Arrow); warm = the same call again (memory-mapped from
that cache). Times are the median of --repeat runs, in milliseconds.

    python benchmarks/load.py [--dataset DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    from corpus_pkg.hf import CONFIGS, data_path
    from corpus_pkg.project import dataset_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=dataset_dir())
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    t0 = time.perf_counter()
    import datasets
    import pyarrow.parquet as pq

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    print(f"import datasets + pyarrow: {(time.perf_counter() - t0) * 1000:.0f} ms")
    print(f"dataset: {args.dataset}  (datasets {datasets.__version__}, median of {args.repeat})")
    print(f"{'config':10} {'rows':>6} {'parquet KB':>10} {'cold ms':>9} {'warm ms':>9} {'pyarrow ms':>10}")
    for config in CONFIGS:
        path = args.dataset / data_path(config)
        rows = pq.read_metadata(path).num_rows
        if rows == 0:  # datasets 5.2 cannot load an empty split
            print(
                f"{config:10} {rows:>6} {path.stat().st_size / 1024:>10.1f} {'-':>9} {'-':>9} "
                f"{median_ms(lambda p=path: pq.read_table(p), args.repeat):>10.1f}"
            )
            continue
        colds = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeat):
                cache = Path(tmp) / f"cold{i}"
                t = time.perf_counter()
                datasets.load_dataset(str(args.dataset), config, cache_dir=str(cache))
                colds.append((time.perf_counter() - t) * 1000)
            warm = median_ms(
                lambda c=config, d=Path(tmp) / "cold0": datasets.load_dataset(str(args.dataset), c, cache_dir=str(d)),
                args.repeat,
            )
        arrow = median_ms(lambda p=path: pq.read_table(p), args.repeat)
        print(
            f"{config:10} {rows:>6} {path.stat().st_size / 1024:>10.1f} {statistics.median(colds):>9.1f} "
            f"{warm:>9.1f} {arrow:>10.1f}"
        )


if __name__ == "__main__":
    main()
