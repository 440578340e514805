"""The one way evwatch downloads anything: safe, bounded and polite.

Why each piece exists:

* Network policy (see ``netpolicy``) is checked before the first request and at every redirect
  hop (redirects are followed here, not by httpx), and again inside the connection layer: the
  socket is opened to an address that ``check_host`` resolved and approved in that same call,
  so a DNS answer that changes between check and connect (DNS rebinding) cannot reach a private
  address. Host header, TLS SNI and certificate checks still use the URL's host name.
  Environment proxies are ignored (``trust_env=False``), since a proxy would do its own DNS.
* Limits: connect/read timeouts, a total deadline per attempt that also clamps every socket
  read (so a server dripping one byte at a time, even while sending headers, is cut off), and a
  size cap on the *decompressed* body enforced while streaming. Decompression is done here in
  bounded steps because httpx would inflate a whole network chunk at once (a 64 KB chunk of a
  gzip bomb is ~64 MB).
* Politeness: an evwatch User-Agent, conditional GET (ETag / Last-Modified), Retry-After
  honoured, exponential backoff with full jitter for transient failures, and a global plus a
  per-host concurrency limit, because one ``Fetcher`` is shared by worker threads.
* Local files (fixtures, mirrored feeds) are read only from inside an explicit ``local_root``.

Every failure is an ``evwatch.errors.FetchError`` subclass carrying the URL.
"""

from __future__ import annotations

import email.utils
import os
import random
import socket
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timezone
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpcore
import httpx

from evwatch.errors import (
    BlockedURLError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from evwatch.ingest.netpolicy import NetworkPolicy, Resolver, check_host, check_url

#: No JSON Feed: ``feeds.parse_feed`` reads RSS and Atom only and reports JSON as "not a feed",
#: so asking for it would invite a server to send what we then refuse.
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.5"
)
#: Only what ``_inflate`` can decode in bounded steps is advertised.
ACCEPT_ENCODING = "gzip, deflate"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchSettings:
    """Limits and manners of the fetcher; the deadline and size cap apply per attempt."""

    user_agent: str = "evwatch/0.1 (+https://github.com/evwatch/evwatch; news monitoring)"
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0  # total per attempt, redirects and body streaming included
    max_bytes: int = 10_000_000  # after decompression
    max_redirects: int = 5
    retries: int = 3  # transient failures only (timeouts, 5xx, 429, dropped connections)
    backoff_base: float = 0.5  # exponential with full jitter
    max_retry_after: float = 60.0  # a longer Retry-After fails with HTTPStatusError.retry_after
    max_concurrency: int = 8
    per_host_concurrency: int = 2


@dataclass(frozen=True)
class FetchResult:
    """What a fetch returned; ``etag``/``last_modified`` are the cursor for the next fetch."""

    url: str  # requested
    final_url: str  # after redirects (or file:// URL for local files)
    status: int  # 200, 304 ...
    headers: dict[str, str]  # lower-case keys
    body: bytes  # b"" for 304
    etag: str | None
    last_modified: str | None
    not_modified: bool
    elapsed: float
    attempts: int


# --------------------------------------------------------------------------- connection layer

# The deadline and URL of the request the current thread is making. httpcore opens and reads
# sockets in the calling thread, so the connection layer finds them here without any API.
_context = threading.local()


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    """Shorten a socket timeout to what is left of the current request's deadline."""
    deadline: float | None = getattr(_context, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("deadline exceeded")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends at the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the policy approved in the same resolution."""

    def __init__(self, policy: NetworkPolicy, resolve: Resolver):
        self._policy = policy
        self._resolve = resolve
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        url = getattr(_context, "url", None)
        addresses = check_host(host, port, self._policy, resolve=self._resolve, url=url)
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:  # an IP literal: create_connection does no DNS lookup
            try:
                stream = self._sockets.connect_tcp(
                    address, port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        raise BlockedURLError("unix sockets are not allowed", url=path)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport (exception mapping, response streams) over ``_PinnedBackend``.

    httpx 0.28 offers no public way to pass a network backend, so the connection pool it
    built is replaced; ``test_fetch`` fails loudly if a future httpx stops using ``_pool``.
    """

    def __init__(self, policy: NetworkPolicy, resolve: Resolver, max_connections: int):
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=_PinnedBackend(policy, resolve),
        )


# --------------------------------------------------------------------------- body decoding


def _inflate(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Decompress a gzip or deflate stream, yielding at most ``_CHUNK`` bytes at a time.

    Bounded output per step is what makes the size cap hold against decompression bombs.
    Concatenated gzip members are decoded in turn; "deflate" may be zlib-wrapped or raw.
    """
    gzip = encoding in ("gzip", "x-gzip")
    decoder = zlib.decompressobj(31 if gzip else 15)
    started = False
    for chunk in chunks:
        data = chunk
        while True:
            if decoder.eof:
                if not gzip:
                    return  # bytes after the end of a deflate stream are ignored
                data = decoder.unused_data + data
                if not data:
                    break
                decoder = zlib.decompressobj(31)  # the next gzip member
            try:
                out = decoder.decompress(data, _CHUNK)
            except zlib.error:
                if gzip or started:
                    raise
                decoder = zlib.decompressobj(-15)  # raw deflate, as some servers send it
                out = decoder.decompress(data, _CHUNK)
            started = True
            data = decoder.unconsumed_tail
            if out:
                yield out
            # A full chunk may leave output pending even when all input was consumed.
            if not data and len(out) < _CHUNK and not decoder.eof:
                break


def _decoded(response: httpx.Response, url: str) -> Iterator[bytes]:
    """The response body, decompressed as its Content-Encoding says."""
    header = response.headers.get("content-encoding", "")
    encodings = [e.strip().lower() for e in header.split(",") if e.strip().lower() not in ("", "identity")]
    stream: Iterator[bytes] = response.iter_raw()
    for encoding in reversed(encodings):
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported Content-Encoding {encoding!r}", url=url)
        stream = _inflate(stream, encoding)
    return stream


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now())


# --------------------------------------------------------------------------- the fetcher


class Fetcher:
    """A thread-safe, policy-checked HTTP(S) and local-file fetcher.

    Share one instance between worker threads: the concurrency limits are per instance.
    ``sleep`` and ``resolve`` are injectable so tests neither wait nor need DNS; ``rng``
    (returning a float in [0, 1)) draws the backoff jitter.
    """

    def __init__(
        self,
        settings: FetchSettings = FetchSettings(),
        policy: NetworkPolicy = NetworkPolicy(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        resolve: Resolver = socket.getaddrinfo,
        rng: Callable[[], float] = random.random,
    ):
        self.settings = settings
        self.policy = policy
        self._sleep = sleep
        self._resolve = resolve
        self._rng = rng
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._host_slots_lock = threading.Lock()
        s = settings
        self._client = httpx.Client(
            transport=_PinnedTransport(policy, resolve, max_connections=s.max_concurrency),
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.connect_timeout),
            follow_redirects=False,
            trust_env=False,
            # Cookies are not kept: they would leak between feeds sharing the client.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            headers={"User-Agent": s.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        )

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- public

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        local_root: Path | None = None,
    ) -> FetchResult:
        """Fetch ``url`` (http/https, or a local file inside ``local_root``).

        ``etag``/``last_modified`` from the previous fetch make the request conditional; a 304
        gives ``not_modified=True`` and an empty body. Transient failures (timeouts, 5xx, 429,
        refused or dropped connections) are retried up to ``settings.retries`` times, each
        attempt starting again from ``url``; anything else raises at once.
        """
        started = time.monotonic()
        if _is_local(url):
            return self._fetch_local(url, local_root, started)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts = 0
        while True:
            attempts += 1
            try:
                result = self._attempt(url, headers, etag, last_modified)
            except FetchError as exc:
                delay = self._retry_delay(exc, attempts)
                if delay is None:
                    raise
                self._sleep(delay)
                continue
            return replace(result, elapsed=time.monotonic() - started, attempts=attempts)

    # ---- retries

    def _retry_delay(self, exc: FetchError, attempts: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up with ``exc``."""
        if not exc.transient or attempts > self.settings.retries:
            return None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None and getattr(exc, "status", None) in (429, 503):
            return retry_after if retry_after <= self.settings.max_retry_after else None
        ceiling = min(self.settings.max_retry_after, self.settings.backoff_base * 2 ** (attempts - 1))
        return self._rng() * ceiling  # "full jitter": uniform in [0, ceiling)

    # ---- one attempt: a chain of redirects

    def _attempt(self, url: str, headers: dict[str, str], etag: str | None, last_modified: str | None) -> FetchResult:
        current = check_url(url, self.policy, resolve=self._resolve)
        seen = {_without_fragment(current)}
        _context.deadline = None
        try:
            for hop in range(self.settings.max_redirects + 1):
                _context.url = current
                with self._slot(httpx.URL(current).host):
                    if _context.deadline is None:  # waiting for the first slot is not counted
                        _context.deadline = time.monotonic() + self.settings.deadline
                    with _mapped_errors(current):
                        response = self._client.send(self._client.build_request("GET", current, headers=headers), stream=True)
                        try:
                            location = response.headers.get("location")
                            if response.status_code not in REDIRECT_STATUSES or not location:
                                return self._finish(url, current, response, etag, last_modified)
                        finally:
                            response.close()
                if hop == self.settings.max_redirects:
                    raise TooManyRedirects(f"more than {self.settings.max_redirects} redirects", url=url)
                target = str(httpx.URL(current).join(location))
                current = check_url(target, self.policy, resolve=self._resolve)
                if _without_fragment(current) in seen:
                    raise TooManyRedirects(f"redirect loop back to {current}", url=url)
                seen.add(_without_fragment(current))
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            _context.deadline = None
            _context.url = None

    def _finish(
        self, url: str, final_url: str, response: httpx.Response, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        """Turn a final (non-redirect) response into a result or an HTTPStatusError."""
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        if status == 304:
            body = b""
        elif 200 <= status < 300:
            body = self._read_body(response, final_url)
        else:
            retry_after = parse_retry_after(headers.get("retry-after"))
            raise HTTPStatusError(f"HTTP {status}", url=final_url, status=status, retry_after=retry_after)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            headers=headers,
            body=body,
            etag=headers.get("etag") or (etag if status == 304 else None),
            last_modified=headers.get("last-modified") or (last_modified if status == 304 else None),
            not_modified=status == 304,
            elapsed=0.0,
            attempts=0,
        )

    def _read_body(self, response: httpx.Response, url: str) -> bytes:
        """Stream the decoded body, stopping at the size cap and the deadline."""
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLargeError(f"Content-Length {declared} exceeds the cap of {cap} bytes", url=url)
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in _decoded(response, url):
                size += len(chunk)
                if size > cap:
                    raise TooLargeError(f"body exceeds the cap of {cap} bytes", url=url)
                if time.monotonic() > _context.deadline:
                    raise FetchTimeoutError(f"deadline of {self.settings.deadline} s exceeded", url=url)
                parts.append(chunk)
        except zlib.error as exc:
            raise FetchError(f"corrupt compressed body: {exc}", url=url) from exc
        return b"".join(parts)

    # ---- concurrency

    @contextmanager
    def _slot(self, host: str) -> Iterator[None]:
        """Hold a per-host slot, then a global one (that order never idles a global slot)."""
        with self._host_slots_lock:
            host_slots = self._host_slots.setdefault(
                host.lower(), threading.BoundedSemaphore(self.settings.per_host_concurrency)
            )
        with host_slots, self._slots:
            yield

    # ---- local files

    def _fetch_local(self, url: str, local_root: Path | None, started: float) -> FetchResult:
        """Read a file that lies (after resolving symlinks and ``..``) inside ``local_root``."""
        if local_root is None:
            raise BlockedURLError("local files are only read when a local_root is given", url=url)
        split = urlsplit(url)
        if split.scheme.lower() == "file":
            if split.netloc not in ("", "localhost"):
                raise BlockedURLError(f"file URL on another host {split.netloc!r}", url=url)
            raw_path = url2pathname(split.path)
        else:
            raw_path = url
        root = Path(local_root).resolve()
        path = (root / raw_path).resolve()  # an absolute raw_path replaces root
        if not path.is_relative_to(root):
            raise BlockedURLError(f"{path} is outside the local root {root}", url=url)
        cap = self.settings.max_bytes
        try:
            # O_NOFOLLOW: the last component cannot have become a symlink since resolve();
            # O_NONBLOCK: opening a FIFO must not hang (it is refused below).
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            raise FetchError(f"cannot open {path}: {exc.strerror}", url=url) from exc
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise FetchError(f"{path} is not a regular file", url=url)
        with os.fdopen(fd, "rb") as handle:
            if info.st_size > cap:
                raise TooLargeError(f"file of {info.st_size} bytes exceeds the cap of {cap} bytes", url=url)
            body = handle.read(cap + 1)
        if len(body) > cap:
            raise TooLargeError(f"file exceeds the cap of {cap} bytes", url=url)
        return FetchResult(
            url=url,
            final_url=path.as_uri(),
            status=200,
            headers={"content-length": str(len(body))},
            body=body,
            etag=None,
            last_modified=None,
            not_modified=False,
            elapsed=time.monotonic() - started,
            attempts=1,
        )


def _is_local(url: str) -> bool:
    """file: URLs and scheme-less strings (plain paths) are local; everything else is not."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ("file", "")


def _without_fragment(url: str) -> str:
    return str(httpx.URL(url).copy_with(fragment=None))


@contextmanager
def _mapped_errors(url: str) -> Iterator[None]:
    """Turn httpx/httpcore exceptions into evwatch errors naming ``url``."""
    try:
        yield
    except httpx.TimeoutException as exc:
        deadline = getattr(_context, "deadline", None)
        if deadline is not None and time.monotonic() >= deadline - 0.01:
            raise FetchTimeoutError("deadline exceeded", url=url) from exc
        raise FetchTimeoutError(f"{type(exc).__name__}: {exc}", url=url) from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        # Refused, reset or dropped connections (notably a keep-alive connection the server
        # closed just as it was reused) usually work on the next try.
        error = FetchError(f"{type(exc).__name__}: {exc}", url=url)
        error.transient = True
        raise error from exc
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}", url=url) from exc
