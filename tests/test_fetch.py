"""The fetcher against real local HTTP servers (127.0.0.1 / 127.0.0.2 only, never a mock transport).

pytest-httpserver covers ordinary responses; a small stdlib server (``RawServer``) writes raw
bytes for what it cannot do: drip-fed bodies and headers, hanging sockets, chunked oversize
bodies, gzip bombs and counting concurrent requests. Sleeps between retries go to a recorder.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from evwatch.errors import (
    BlockedURLError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from evwatch.ingest.fetch import Fetcher, FetchSettings, parse_retry_after
from evwatch.ingest.netpolicy import NetworkPolicy

pytestmark = pytest.mark.timeout(30)

LOCAL = NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1"}))
FAST = FetchSettings(connect_timeout=1.0, read_timeout=0.3, deadline=3.0, retries=2, backoff_base=0.5)


# --------------------------------------------------------------------------- helpers


class Sleeps(list):
    """Stands in for time.sleep: records the requested delays, returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_fetcher(policy: NetworkPolicy = LOCAL, sleep: Callable[[float], None] | None = None, **settings) -> Fetcher:
    return Fetcher(dataclasses.replace(FAST, **settings), policy, sleep=Sleeps() if sleep is None else sleep, rng=lambda: 0.5)


class RawServer:
    """A threaded HTTP/1.1 server on ``host`` whose ``handler(request_handler)`` writes raw bytes."""

    def __init__(self, handler: Callable[[BaseHTTPRequestHandler], None], host: str = "127.0.0.1"):
        self.requests: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                try:
                    handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should
                if not getattr(self, "keep_alive", False):
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self.server = Server((host, 0), Handler)
        self.host = host
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def raw():
    servers: list[RawServer] = []

    def start(handler, host="127.0.0.1") -> RawServer:
        servers.append(RawServer(handler, host))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def send(h: BaseHTTPRequestHandler, body: bytes = b"ok", status: int = 200, headers: dict[str, str] | None = None) -> None:
    """Write a complete response; the connection is closed unless ``h.keep_alive`` is set."""
    h.send_response(status)
    framing = {"Content-Length": str(len(body))}
    if not getattr(h, "keep_alive", False):
        framing["Connection"] = "close"  # so the client never reuses a socket the server closes
    for name, value in {**framing, **(headers or {})}.items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture(scope="module")
def _web_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def web(_web_server):
    _web_server.clear()
    yield _web_server
    _web_server.clear()


def url(server: HTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def gzip_of_zeros(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed (~1 KB per MB) without holding them in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join([packer.compress(block) for _ in range(megabytes)] + [packer.flush()])


# --------------------------------------------------------------------------- basics and conditional GET


def test_plain_get_names_evwatch_and_asks_for_feeds(web):
    web.expect_request("/feed.xml").respond_with_data(
        "<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Jul 2025 10:00:00 GMT"}
    )
    with make_fetcher() as fetcher:
        result = fetcher.fetch(url(web, "/feed.xml"))
    assert (result.status, result.body, result.not_modified, result.attempts) == (200, b"<rss/>", False, 1)
    assert result.final_url == result.url == url(web, "/feed.xml")
    assert (result.etag, result.last_modified) == ('"v1"', "Tue, 01 Jul 2025 10:00:00 GMT")
    assert result.headers["etag"] == '"v1"' and all(k == k.lower() for k in result.headers)
    request = web.log[0][0]
    assert request.headers["User-Agent"].startswith("evwatch/")
    assert "application/rss+xml" in request.headers["Accept"]
    # JSON is refused as "not a feed", so it is never asked for.
    assert "json" not in request.headers["Accept"].lower()
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in request.headers


def test_304_with_etag(web):
    web.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    with make_fetcher() as fetcher:
        result = fetcher.fetch(url(web, "/feed"), etag='"v1"')
    assert (result.status, result.not_modified, result.body, result.etag) == (304, True, b"", '"v1"')
    assert len(web.log) == 1


def test_304_with_last_modified(web):
    stamp = "Tue, 01 Jul 2025 10:00:00 GMT"
    web.expect_request("/feed", headers={"If-Modified-Since": stamp}).respond_with_data("", status=304)
    with make_fetcher() as fetcher:
        result = fetcher.fetch(url(web, "/feed"), last_modified=stamp)
    assert (result.status, result.not_modified, result.body) == (304, True, b"")
    assert result.last_modified == stamp  # the cursor is kept when the 304 does not repeat it
    assert "If-None-Match" not in web.log[0][0].headers


# --------------------------------------------------------------------------- retries


def test_429_retry_after_seconds_is_slept_then_retried(web):
    web.expect_oneshot_request("/feed").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    web.expect_request("/feed").respond_with_data("<rss/>")
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps) as fetcher:
        result = fetcher.fetch(url(web, "/feed"))
    assert sleeps == [7.0]
    assert (result.status, result.body, result.attempts) == (200, b"<rss/>", 2)
    assert len(web.log) == 2


def test_503_retry_after_http_date_is_honoured(web):
    web.expect_oneshot_request("/feed").respond_with_data(
        "", status=503, headers={"Retry-After": formatdate(time.time() + 30, usegmt=True)}
    )
    web.expect_request("/feed").respond_with_data("ok")
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps) as fetcher:
        result = fetcher.fetch(url(web, "/feed"))
    assert len(sleeps) == 1 and 28.0 <= sleeps[0] <= 30.0
    assert result.attempts == 2


def test_retry_after_longer_than_the_cap_is_not_waited_for(web):
    web.expect_request("/feed").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps) as fetcher, pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(url(web, "/feed"))
    assert (info.value.status, info.value.retry_after, info.value.transient) == (429, 3600.0, True)
    assert sleeps == [] and len(web.log) == 1


def test_500_then_success_is_retried_with_backoff(web):
    web.expect_oneshot_request("/feed").respond_with_data("oops", status=500)
    web.expect_request("/feed").respond_with_data("ok")
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps) as fetcher:
        result = fetcher.fetch(url(web, "/feed"))
    assert result.attempts == 2 and result.body == b"ok"
    assert sleeps == [0.25]  # full jitter: rng 0.5 x backoff_base 0.5


def test_persistent_5xx_gives_up_after_the_retries_with_exponential_backoff(web):
    web.expect_request("/feed").respond_with_data("down", status=502)
    sleeps = Sleeps()
    fetcher = Fetcher(FetchSettings(retries=3, backoff_base=0.5), LOCAL, sleep=sleeps, rng=lambda: 1.0)
    with fetcher, pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(url(web, "/feed"))
    assert info.value.status == 502 and url(web, "/feed") in str(info.value)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(web.log) == 4


def test_404_is_not_retried(web):
    web.expect_request("/gone").respond_with_data("no", status=404)
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps) as fetcher, pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(url(web, "/gone"))
    assert (info.value.status, info.value.transient, info.value.url) == (404, False, url(web, "/gone"))
    assert len(web.log) == 1 and sleeps == []


# --------------------------------------------------------------------------- timeouts and the deadline


def test_read_timeout(raw):
    def too_slow(h):
        time.sleep(1.0)
        send(h)

    server = raw(too_slow)
    started = time.monotonic()
    with make_fetcher(retries=0) as fetcher, pytest.raises(FetchTimeoutError) as info:
        fetcher.fetch(server.url("/feed"))
    assert time.monotonic() - started < 0.9
    assert info.value.url == server.url("/feed") and info.value.transient
    assert "deadline" not in str(info.value)


def test_timeouts_are_retried(raw):
    def slow_once(h):
        if len(server.requests) == 1:
            time.sleep(1.0)
        send(h, b"second time lucky")

    server = raw(slow_once)
    with make_fetcher(retries=1) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
    assert (result.body, result.attempts, len(server.requests)) == (b"second time lucky", 2, 2)


def test_drip_fed_body_hits_the_deadline(raw):
    def drip(h):
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        for _ in range(100):  # one byte every 0.1 s: never idle for read_timeout (0.3 s)
            h.wfile.write(b"x")
            time.sleep(0.1)

    server = raw(drip)
    started = time.monotonic()
    with make_fetcher(deadline=1.0, retries=0) as fetcher, pytest.raises(FetchTimeoutError, match="deadline"):
        fetcher.fetch(server.url("/feed"))
    assert 0.9 <= time.monotonic() - started < 1.8


def test_drip_fed_headers_hit_the_deadline(raw):
    def drip_headers(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(100):
            h.wfile.write(b"a")
            time.sleep(0.1)

    server = raw(drip_headers)
    started = time.monotonic()
    with make_fetcher(deadline=1.0, retries=0) as fetcher, pytest.raises(FetchTimeoutError, match="deadline"):
        fetcher.fetch(server.url("/feed"))
    assert 0.9 <= time.monotonic() - started < 1.8


def test_connection_refused_is_a_retried_fetch_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps, retries=2) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert type(info.value) is FetchError and info.value.url == f"http://127.0.0.1:{port}/feed"
    assert "ConnectError" in str(info.value) and info.value.transient and len(sleeps) == 2


def test_keep_alive_connection_dropped_by_the_server_is_retried(raw):
    def second_request_dropped(h):
        h.served = getattr(h, "served", 0) + 1  # one handler object per connection
        if h.served == 2:
            h.close_connection = True  # read the request, then hang up without answering
            return
        h.keep_alive = True
        send(h, b"fresh")

    server = raw(second_request_dropped)
    sleeps = Sleeps()
    with make_fetcher(sleep=sleeps) as fetcher:
        assert fetcher.fetch(server.url("/feed")).attempts == 1  # leaves the connection pooled
        result = fetcher.fetch(server.url("/feed"))
    assert (result.body, result.attempts, len(sleeps), len(server.requests)) == (b"fresh", 2, 1, 3)


# --------------------------------------------------------------------------- redirects


def test_redirects_are_followed_and_relative_locations_resolved(web):
    web.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new?x=1"})
    web.expect_request("/new").respond_with_data("moved")
    with make_fetcher() as fetcher:
        result = fetcher.fetch(url(web, "/old"))
    assert (result.body, result.url, result.final_url) == (b"moved", url(web, "/old"), url(web, "/new?x=1"))


def test_redirect_loop(web):
    web.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    web.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with make_fetcher() as fetcher, pytest.raises(TooManyRedirects, match="loop"):
        fetcher.fetch(url(web, "/a"))
    assert [entry[0].path for entry in web.log] == ["/a", "/b"]


def test_five_redirects_are_followed_but_six_are_too_many(web):
    for i in range(7):
        web.expect_request(f"/r{i}").respond_with_data("", status=307, headers={"Location": f"/r{i + 1}"})
    web.expect_request("/r5-end").respond_with_data("end")
    with make_fetcher() as fetcher:
        with pytest.raises(TooManyRedirects, match="more than 5"):
            fetcher.fetch(url(web, "/r0"))  # r0 -> r1 ... -> r6 -> r7: six redirects
        assert len(web.log) == 6
        web.clear()
        for i in range(4):
            web.expect_request(f"/r{i}").respond_with_data("", status=308, headers={"Location": f"/r{i + 1}"})
        web.expect_request("/r4").respond_with_data("", status=303, headers={"Location": "/r5-end"})
        web.expect_request("/r5-end").respond_with_data("end")
        assert fetcher.fetch(url(web, "/r0")).final_url == url(web, "/r5-end")  # exactly five


@pytest.mark.parametrize("target", ["127.0.0.2", "169.254.169.254"])
def test_redirect_from_allowed_host_to_private_address_is_refused(web, raw, target):
    counting = raw(lambda h: send(h, b"secret"), host="127.0.0.2")
    web.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": f"http://{target}:{counting.port}/latest/meta-data/"}
    )
    with make_fetcher() as fetcher, pytest.raises(BlockedURLError, match=target):
        fetcher.fetch(url(web, "/feed"))
    assert counting.requests == []


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/"])
def test_redirect_to_refused_url_is_refused(web, location):
    web.expect_request("/feed").respond_with_data("", status=302, headers={"Location": location})
    with make_fetcher() as fetcher, pytest.raises(BlockedURLError):
        fetcher.fetch(url(web, "/feed"))


# --------------------------------------------------------------------------- URL policy through the fetcher


@pytest.mark.parametrize(
    "template",
    [
        "http://user:pw@127.0.0.1:{port}/feed",
        "http://127.0.0.1:{port}\\@example.com/feed",
        "http://example.com\\@127.0.0.1:{port}/feed",
        "http://2130706433:{port}/feed",
        "http://0x7f.1:{port}/feed",
        "http://0177.0.0.1:{port}/feed",
        "http://127.1:{port}/feed",
        "http://[::ffff:127.0.0.1]:{port}/feed",
        "http://[::ffff:7f00:1]:{port}/feed",
        "http://127.0.0.2:{port}#@127.0.0.1/feed",
        "http://localhost:{port}/feed",
    ],
)
def test_tricky_urls_never_reach_the_server(raw, template):
    server = raw(lambda h: send(h))
    with make_fetcher() as fetcher, pytest.raises(BlockedURLError):
        fetcher.fetch(template.format(port=server.port))
    assert server.requests == []


def test_public_name_resolving_to_loopback_is_refused(raw):
    server = raw(lambda h: send(h))
    asked = []

    def resolve(host, port, *args):
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with Fetcher(FAST, NetworkPolicy(), resolve=resolve) as fetcher, pytest.raises(BlockedURLError, match="127.0.0.1"):
        fetcher.fetch(f"http://news.example:{server.port}/feed")
    assert asked == ["news.example"] and server.requests == []


def test_dns_rebinding_after_the_check_is_refused_at_connect(raw):
    """The first answer is public, the next one loopback: the connection must not follow."""
    server = raw(lambda h: send(h))
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host, port, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    with Fetcher(FAST, NetworkPolicy(), resolve=rebinding) as fetcher, pytest.raises(BlockedURLError, match="127.0.0.1"):
        fetcher.fetch(f"http://rebind.example:{server.port}/feed")
    assert server.requests == []


def test_connection_goes_to_the_checked_address_with_the_name_in_host(raw):
    server = raw(lambda h: send(h, b"pinned"))

    def resolve(host, port, *args):
        assert host == "feeds.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    policy = NetworkPolicy(allowed_hosts=frozenset({"feeds.example"}))
    with Fetcher(FAST, policy, resolve=resolve) as fetcher:
        assert fetcher.fetch(f"http://feeds.example:{server.port}/feed").body == b"pinned"
    assert server.requests[0][1]["host"] == f"feeds.example:{server.port}"


def test_proxy_environment_is_ignored(raw, monkeypatch):
    server = raw(lambda h: send(h, b"direct"))
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with make_fetcher() as fetcher:
        assert fetcher.fetch(server.url("/feed")).body == b"direct"


@pytest.mark.parametrize("bad", ["ftp://127.0.0.1/feed.xml", "file:///etc/passwd", "javascript:alert(1)", "/etc/passwd"])
def test_non_http_schemes_and_files_without_local_root_are_refused(bad):
    with make_fetcher() as fetcher, pytest.raises(BlockedURLError):
        fetcher.fetch(bad)


# --------------------------------------------------------------------------- size cap and decoding


def test_content_length_over_the_cap_is_refused_before_reading(raw):
    def huge(h):
        h.send_response(200)
        h.send_header("Content-Length", "50000000")
        h.end_headers()
        time.sleep(1.0)

    server = raw(huge)
    started = time.monotonic()
    with make_fetcher(max_bytes=1_000_000) as fetcher, pytest.raises(TooLargeError, match="Content-Length"):
        fetcher.fetch(server.url("/big"))
    assert time.monotonic() - started < 0.8  # the server would hold the socket for 1 s


def test_chunked_body_without_length_stops_at_the_cap(raw):
    def endless_chunks(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"x" * 65536
        for _ in range(64):  # 4 MB if nobody stopped reading
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        h.wfile.write(b"0\r\n\r\n")

    server = raw(endless_chunks)
    with make_fetcher(max_bytes=1_000_000) as fetcher, pytest.raises(TooLargeError, match="cap of 1000000"):
        fetcher.fetch(server.url("/big"))


def test_gzip_bomb_stops_at_the_cap_without_inflating_everything(raw):
    bomb = gzip_of_zeros(50)
    assert len(bomb) < 100_000
    server = raw(lambda h: send(h, bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/xml"}))
    with make_fetcher(max_bytes=1_000_000) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(TooLargeError):
                fetcher.fetch(server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4_000_000, f"peak {peak} bytes: the body was inflated beyond the cap"


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("gzip", lambda data: gzip.compress(data[:1000]) + gzip.compress(data[1000:])),  # two members
        ("identity", lambda data: data),
    ],
)
def test_compressed_bodies_are_decoded(raw, encoding, pack):
    text = b"<rss>" + b"<item>news</item>" * 5000 + b"</rss>"
    server = raw(lambda h: send(h, pack(text), headers={"Content-Encoding": encoding}))
    with make_fetcher() as fetcher:
        assert fetcher.fetch(server.url("/feed")).body == text


def test_corrupt_or_unknown_encoding_is_a_fetch_error(raw):
    server = raw(lambda h: send(h, b"not gzip at all", headers={"Content-Encoding": "gzip" if "gz" in h.path else "br"}))
    with make_fetcher() as fetcher:
        with pytest.raises(FetchError, match="corrupt"):
            fetcher.fetch(server.url("/gz"))
        with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
            fetcher.fetch(server.url("/br"))


# --------------------------------------------------------------------------- local files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "feeds").mkdir(parents=True)
    (root / "feeds" / "a.xml").write_bytes(b"<rss>a</rss>")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "feeds" / "escape.xml").symlink_to(tmp_path / "secret.txt")
    (root / "feeds" / "inside-link.xml").symlink_to(root / "feeds" / "a.xml")
    return root


def test_local_file_inside_root(tree):
    target = tree / "feeds" / "a.xml"
    with make_fetcher() as fetcher:
        for source in (str(target), target.as_uri(), "feeds/a.xml", "feeds/../feeds/a.xml", str(tree / "feeds" / "inside-link.xml")):
            result = fetcher.fetch(source, local_root=tree)
            assert (result.status, result.body, result.final_url, result.url) == (200, b"<rss>a</rss>", target.as_uri(), source)


@pytest.mark.parametrize(
    "source",
    ["../secret.txt", "feeds/../../secret.txt", "feeds/escape.xml", "{tmp}/secret.txt", "file://{tmp}/secret.txt",
     "file://{tmp}/root/../secret.txt", "/etc/passwd", "file://otherhost/etc/passwd"],
)
def test_local_file_outside_root_is_refused(tree, source):
    with make_fetcher() as fetcher, pytest.raises(BlockedURLError):
        fetcher.fetch(source.format(tmp=tree.parent), local_root=tree)


def test_local_file_without_root_is_refused(tree):
    with make_fetcher() as fetcher, pytest.raises(BlockedURLError, match="local_root"):
        fetcher.fetch((tree / "feeds" / "a.xml").as_uri())


def test_local_file_size_cap_and_missing_file(tree):
    (tree / "big.xml").write_bytes(b"x" * 2000)
    with make_fetcher(max_bytes=1000) as fetcher:
        with pytest.raises(TooLargeError):
            fetcher.fetch("big.xml", local_root=tree)
        with pytest.raises(FetchError) as info:
            fetcher.fetch("feeds/missing.xml", local_root=tree)
        assert not isinstance(info.value, BlockedURLError)
        with pytest.raises(FetchError, match="not a regular file"):
            fetcher.fetch("feeds", local_root=tree)


def test_local_fifo_does_not_hang(tree):
    os.mkfifo(tree / "pipe.xml")
    with make_fetcher() as fetcher, pytest.raises(FetchError, match="not a regular file"):
        fetcher.fetch("pipe.xml", local_root=tree)


# --------------------------------------------------------------------------- concurrency


def concurrency_probe(delay: float = 0.2):
    """A handler that counts requests in flight at once; returns (handler, state)."""
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def handler(h):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(delay)
        with lock:
            state["now"] -= 1
        send(h)

    return handler, state


def test_per_host_concurrency_limit(raw):
    handler, state = concurrency_probe()
    server = raw(handler)
    with make_fetcher(per_host_concurrency=2, max_concurrency=8, read_timeout=3.0, deadline=5.0) as fetcher, ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: fetcher.fetch(server.url(f"/feed{i}")), range(6)))
    assert [r.status for r in results] == [200] * 6
    assert state["peak"] == 2


def test_global_concurrency_limit(raw):
    handler, state = concurrency_probe()
    one, two = raw(handler), raw(handler, host="127.0.0.2")
    policy = NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1", "127.0.0.2"}))
    urls = [server.url(f"/feed{i}") for i in range(4) for server in (one, two)]
    with make_fetcher(policy, per_host_concurrency=2, max_concurrency=3, read_timeout=3.0, deadline=5.0) as fetcher, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetcher.fetch, urls))
    assert len(results) == 8
    assert state["peak"] == 3


# --------------------------------------------------------------------------- helpers of the module


def test_parse_retry_after():
    now = 1_750_000_000.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(formatdate(now + 45, usegmt=True), now=lambda: now) == 45.0
    assert parse_retry_after(formatdate(now - 45, usegmt=True), now=lambda: now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after("-5") is None and parse_retry_after(None) is None
