"""Errors a user can cause, each with a one-line message the CLI prints without a traceback."""


class NewsqaError(Exception):
    """Base of every error whose message is meant for the user."""


class LoadError(NewsqaError):
    """One source item (file, URL, feed entry, record) could not be turned into an article."""


class FetchError(LoadError):
    """An http(s) fetch was refused or failed.

    `status` is the HTTP status of a refusal; `retry_after_s` is set when the server asked to be
    left alone for a while (429 or 503 with Retry-After): a polite client waits that long.
    """

    def __init__(self, message: str, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


class StoreUnavailable(NewsqaError):
    """The vector store cannot be reached or opened."""


class ModelMismatch(NewsqaError):
    """The collection was built with another embedding model than the configured one."""


class BadQuery(NewsqaError):
    """A search or question that cannot be run as given."""


class EmptyIndex(NewsqaError):
    """A search or question before any article was ingested."""


def one_line(exc: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none): what a user is shown."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
