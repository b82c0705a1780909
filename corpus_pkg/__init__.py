"""An annotated corpus of news articles on the September 2023 Kim Jong Un - Vladimir Putin summit.

Four span layers (entities, dates, quotes, claims) and their relations, as a
Hugging Face dataset. ``from corpus_pkg import load; load("quotes")``.
"""

from __future__ import annotations

from corpus_pkg.version import __version__

__all__ = ["__version__", "load"]


def load(config: str = "documents", **kwargs):  # returns datasets.DatasetDict
    """``datasets.load_dataset`` on the dataset shipped with this package (``dataset=DIR`` for another build)."""
    from corpus_pkg.hf import load as _load

    return _load(config, **kwargs)
