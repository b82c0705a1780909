"""The package's known failures, each with the exit code the CLI gives it (0 ok, 1 invalid data, 2 usage/I/O)."""

from __future__ import annotations

EXIT_INVALID, EXIT_USAGE = 1, 2


class CorpusError(Exception):
    """A failure with a message for people and an exit code; never shown as a traceback."""

    exit_code = EXIT_USAGE


class InvalidData(CorpusError):
    """The data does not validate, or two edits conflict: exit 1."""

    exit_code = EXIT_INVALID


class UsageProblem(CorpusError):
    """Bad arguments, unreadable input, a busy lock: exit 2."""

    exit_code = EXIT_USAGE
