"""How a failed command ends: an exit code and one line on stderr (the traceback only with ``--verbose``).

- 1: the user can fix it: an unknown repo, revision, config or split (the message lists the valid names), a
  gated or private repo without access (the message says what to do), a file missing from the cache in
  offline mode, bad arguments or bad data.
- 2: the network or the Hub failed, after the client's retries: connection errors, timeouts, 5xx and 429
  answers, downloads that did not arrive whole.
"""

from __future__ import annotations

USER_ERROR = 1
NETWORK_ERROR = 2
INTERRUPTED = 130

_RETRYABLE_STATUS = (408, 429)


def _is_transport(error: BaseException) -> bool:
    import requests  # imported only on failure: --help and local commands never load it

    from ..hub.errors import HubError

    return isinstance(error, (HubError, requests.RequestException, ConnectionError, TimeoutError))


def root_cause(error: BaseException) -> BaseException:
    """The Hub or network error behind ``error`` when a reader wrapped one (a gated file read while streaming
    surfaces as a data-file error), else ``error`` itself."""
    seen = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if _is_transport(cause):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return error


def exit_code(error: BaseException) -> int:
    """The exit code for an exception that ended a command (judged by the Hub or network error behind it)."""
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED
    import requests

    from ..hub import errors as hub

    error = root_cause(error)

    if isinstance(error, (hub.OfflineModeIsEnabled, hub.LocalEntryNotFoundError, hub.UnsafePathError)):
        return USER_ERROR
    if isinstance(error, hub.HfHubHTTPError):
        status = error.status_code
        if status is None or status >= 500 or status in _RETRYABLE_STATUS:
            return NETWORK_ERROR
        return USER_ERROR
    if isinstance(error, (hub.DownloadIntegrityError, hub.FileMetadataError)):
        return NETWORK_ERROR
    if isinstance(error, (requests.RequestException, ConnectionError, TimeoutError)):
        return NETWORK_ERROR
    return USER_ERROR


def one_line_message(error: BaseException) -> str:
    """The first line of the error's message (its type when it has none); a wrapped Hub error speaks."""
    error = root_cause(error)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    text = lines[0]
    if isinstance(error, KeyError):
        text = text.strip("'\"")
    if isinstance(error, (ConnectionError, TimeoutError)) and type(error).__name__ not in text:
        text = f"{type(error).__name__}: {text}"
    return text
