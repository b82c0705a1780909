"""The main job: load the shipped dataset, validate the shipped corpus, summarize both."""

from __future__ import annotations

import time
from collections.abc import Callable

from corpus_pkg.project import Project
from corpus_pkg.version import __version__


def summarize(project: Project, echo: Callable[[str], None]) -> int:
    """Validate the project's corpus, load every config of its dataset, print counts; 0 when all is well."""
    import sys

    from corpus_pkg.hf import CONFIGS, load
    from corpus_pkg.stats import compute, render_markdown
    from corpus_pkg.storage import load_corpus
    from corpus_pkg.validate import validate_corpus

    if not sys.stderr.isatty():
        # Progress bars are for people at a terminal; logs of a job stay readable.
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
    echo(f"corpus-pkg {__version__}: corpus {project.annotations}, dataset {project.dataset}")
    report = validate_corpus(project.annotations)
    for f in report.findings:
        echo(f.render())
    echo(
        f"validate: {sum(report.counts.values())} records, {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s)"
    )
    if report.errors:
        return 1
    docs = load_corpus(project.annotations)
    by_id = {d.doc_id: d.document.text for d in docs}
    for config in CONFIGS:
        t0 = time.perf_counter()
        ds = load(config, dataset=project.dataset)
        took = time.perf_counter() - t0
        sizes = ", ".join(f"{split}: {len(part)} rows" for split, part in ds.items())
        echo(f"load_dataset {config!r}: {sizes} ({took:.2f} s)")
        # The loaded spans must still be the slices of their documents' texts.
        if config in ("entities", "dates", "quotes", "claims"):
            for part in ds.values():
                for row in part:
                    if by_id[row["doc_id"]][row["start"] : row["end"]] != row["text"]:
                        echo(f"{config}: span {row['id']} does not match its document text")
                        return 1
    echo("")
    echo(render_markdown(compute(docs)).rstrip())
    return 0
