"""Exceptions the library raises for problems a user can fix.

The CLI maps :class:`UserError` to a one-line message and exit code 2; the library itself never
imports click.
"""
from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input (a path, a file, an option): reported in one line, exit 2."""


class ClipError(UserError):
    """One clip could not be read or processed; batch stages report it and go on."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


class ArtifactError(UserError):
    """An artifact on disk is missing, foreign, tampered with or made with other parameters."""


class BatchError(UserError):
    """A batch stage stopped (``--strict``, or no clip usable); ``failures`` lists ``(path, problem)``
    of every clip reported before it stopped, so the caller can print them ahead of the error."""

    def __init__(self, message: str, failures: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.failures = list(failures or [])
