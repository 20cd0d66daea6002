"""Exceptions a user can cause; the CLI turns each into a one-line message."""

from __future__ import annotations


class QuizgenError(Exception):
    """Base class for every error quizgen reports to the user without a traceback."""


class DatabaseError(QuizgenError):
    """The database file cannot be used (not quizgen's, too new, unreadable, read-only, full)."""


class DatabaseBusy(DatabaseError):
    """Another process held the database's write lock for longer than we wait; the write can be tried again."""


class ImportProblems(QuizgenError):
    """Files failed validation; nothing was imported."""

    def __init__(self, problems: list):
        self.problems = problems
        first = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{first}{more}\nnothing was imported ({len(problems)} error(s))")


class UnknownCard(QuizgenError):
    pass


class UnknownDeck(QuizgenError):
    pass


class WriteError(QuizgenError):
    """An output file could not be written; whatever was there before is left as it was."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived during a write: raised (like KeyboardInterrupt, past ``except Exception``) so the
    half-written files are removed on the way out."""

    def __init__(self, signum: int):
        import signal

        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")
