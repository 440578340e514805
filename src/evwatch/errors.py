"""The one exception tree of evwatch.

    EvwatchError
    ├── ConfigError            a configuration file, key or value is wrong (exit code 2)
    ├── FetchError             a URL could not be fetched; carries the URL
    │   ├── BlockedURLError    the URL or an address it resolves to is not allowed
    │   ├── FetchTimeoutError  connect/read timeout or total deadline exceeded
    │   ├── TooLargeError      the body (after decompression) exceeds the size cap
    │   ├── TooManyRedirects   more redirects than allowed, or a redirect loop
    │   └── HTTPStatusError    a final non-success status; carries the status code
    ├── FeedError              fetched bytes are not a usable feed; carries the feed
    │   └── NotAFeedError      empty body, HTML or JSON where a feed was expected
    ├── WarehouseError         the DuckDB warehouse failed
    │   └── WarehouseLockedError  another process holds the database file
    └── DeliveryError          an alert channel failed to deliver

Library code raises these with context; only the command line turns them into messages and
exit codes. Errors at the edges (a bad feed, a dead host) are recorded as problems and the run
goes on.
"""

from __future__ import annotations


class EvwatchError(Exception):
    """Base of every error evwatch raises on purpose."""


class ConfigError(EvwatchError):
    """A configuration file, key or value is invalid.

    The message names the file, the key and what was expected.
    """

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.path = path
        self.key = key
        where = ": ".join(part for part in (path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class FetchError(EvwatchError):
    """A URL could not be fetched."""

    #: Transient failures are retried with backoff; others are not.
    transient: bool = False

    def __init__(self, message: str, *, url: str):
        self.url = url
        super().__init__(f"{message} ({url})")


class BlockedURLError(FetchError):
    """The URL's scheme, host or resolved address is not allowed by the fetch policy."""


class FetchTimeoutError(FetchError):
    """A connect or read timeout, or the total deadline of a request, was exceeded."""

    transient = True


class TooLargeError(FetchError):
    """The response body is larger than the size cap (checked after decompression)."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a redirect loop."""


class HTTPStatusError(FetchError):
    """The final response had a non-success status."""

    def __init__(self, message: str, *, url: str, status: int, retry_after: float | None = None):
        self.status = status
        self.retry_after = retry_after
        super().__init__(message, url=url)

    @property  # type: ignore[override]
    def transient(self) -> bool:  # 5xx and 429 may succeed later; other 4xx will not
        return self.status >= 500 or self.status == 429


class FeedError(EvwatchError):
    """Fetched bytes could not be used as a feed."""

    def __init__(self, message: str, *, feed: str):
        self.feed = feed
        super().__init__(f"{feed}: {message}")


class NotAFeedError(FeedError):
    """An empty body, an HTML page or JSON where a feed was expected (not 'no news')."""


class WarehouseError(EvwatchError):
    """The DuckDB warehouse could not be read or written."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the database file; the message names the holder if known."""


class DeliveryError(EvwatchError):
    """An alert channel failed to deliver a message."""

    def __init__(self, message: str, *, channel: str):
        self.channel = channel
        super().__init__(f"{channel}: {message}")
