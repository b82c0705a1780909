"""The one version of the package, the data and every dataset config (data semver: see the README)."""

__version__ = "0.2.0"
