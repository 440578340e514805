"""URL and address rules of the fetcher (no network: names resolve through a fake resolver)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from evwatch.errors import BlockedURLError, FetchError
from evwatch.ingest.netpolicy import NetworkPolicy, blocked_reason, check_host, check_url

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


def fake_resolver(table: dict[str, list[str]]):
    """A getaddrinfo stand-in answering from ``table``; records the names asked for."""
    asked: list[str] = []

    def resolve(host, port, *args, **kwargs):
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


PUBLIC_DNS = fake_resolver({"example.com": [PUBLIC_V4], "v6.example.com": [PUBLIC_V6]})


@pytest.mark.parametrize(
    "url",
    [
        # loopback, private, link-local, CGNAT, multicast, unspecified, reserved, metadata
        "http://127.0.0.1/",
        "http://127.8.9.10/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://100.100.100.200/",
        "http://224.0.0.1/",
        "http://239.255.255.250/",
        "http://0.0.0.0/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[fd00:ec2::254]/",
        "http://[ff02::1]/",
        # IPv4 inside IPv6
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:93.184.216.34]/",  # mapped forms are refused even when public
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[2002:7f00:1::]/",  # 6to4 embedding 127.0.0.1
        "http://[2002:a9fe:a9fe::]/",  # 6to4 embedding 169.254.169.254
        "http://[64:ff9b::7f00:1]/",  # NAT64 embedding 127.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 embedding 10.0.0.1
    ],
)
def test_non_public_address_literals_are_refused(url):
    with pytest.raises(BlockedURLError) as info:
        check_url(url, NetworkPolicy(), resolve=PUBLIC_DNS)
    assert info.value.url.startswith("http://")


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0x7f.1", "0x7f.0.0.1", "017700000001", "0177.0.0.1", "127.1", "127.0.1",
     "127.000.000.001", "0", "0x0", "1.2.3.4.5", "foo.123", "foo.0x10"],
)
def test_numeric_ipv4_forms_are_refused_before_any_lookup(host):
    resolve = fake_resolver({})
    # httpx's own parser already rejects some forms; either way nothing is looked up.
    with pytest.raises(BlockedURLError, match="numeric host|Invalid IPv4"):
        check_url(f"http://{host}/feed", NetworkPolicy(), resolve=resolve)
    assert resolve.asked == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:pass@example.com/", "userinfo"),
        ("http://user@example.com/", "userinfo"),
        ("http://@example.com/", "userinfo"),
        ("http://example.com:80@127.0.0.1/", "userinfo"),
        ("http://evil.com\\@127.0.0.1/", "backslash"),
        ("http://example.com\\.evil.com/", "backslash"),
        ("http:\\\\example.com/", "backslash"),
        ("http://exa\tmple.com/", "control character"),
        ("http://example.com/\nHost: x", "control character"),
        ("http://example.com%00.evil.com/", "invalid host"),
        ("http://%31%32%37.0.0.1/", "invalid host"),
        ("http://exa mple.com/", "ambiguous host"),
        ("http://[fe80::1%25eth0]/", "invalid host"),
        ("http:///path-only", "no host"),
        ("http:example.com", "no host"),
        ("http://example.com:99999/", "unparseable|invalid port"),
    ],
)
def test_parser_confusion_and_credentials_are_refused(url, reason):
    with pytest.raises(BlockedURLError, match=reason):
        check_url(url, NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1"})), resolve=PUBLIC_DNS)


def test_fragment_at_trick_is_judged_by_the_real_host():
    # A naive parser sees host "evil.com"; the request really goes to 127.0.0.1.
    with pytest.raises(BlockedURLError, match="127.0.0.1"):
        check_url("http://127.0.0.1#@evil.com", NetworkPolicy(), resolve=PUBLIC_DNS)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/feed.xml", "file:///etc/passwd", "javascript:alert(1)", "data:text/plain,hi",
     "gopher://example.com/", "ws://example.com/", "//example.com/feed", "example.com/feed"],
)
def test_schemes_other_than_http_and_https_are_refused(url):
    with pytest.raises(BlockedURLError, match="scheme"):
        check_url(url, NetworkPolicy(), resolve=PUBLIC_DNS)


def test_public_urls_pass_and_come_back_normalised():
    assert check_url("HTTP://Example.COM/a/../feed?x=1", resolve=PUBLIC_DNS) == "http://example.com/feed?x=1"
    assert check_url("https://v6.example.com/", resolve=PUBLIC_DNS) == "https://v6.example.com/"
    assert check_url(f"http://{PUBLIC_V4}:8080/rss", resolve=PUBLIC_DNS) == f"http://{PUBLIC_V4}:8080/rss"
    assert check_url("http://[64:ff9b::5db8:d822]/", resolve=PUBLIC_DNS)  # NAT64 of a public v4
    assert check_url("http://[2002:5db8:d822::1]/", resolve=PUBLIC_DNS)  # 6to4 of a public v4


def test_public_name_resolving_to_private_address_is_refused():
    resolve = fake_resolver({"news.example": ["10.0.0.5"]})
    with pytest.raises(BlockedURLError, match="10.0.0.5"):
        check_url("https://news.example/feed", resolve=resolve)
    assert resolve.asked == ["news.example"]


@pytest.mark.parametrize("bad", ["127.0.0.1", "169.254.169.254", "::1", "fd00:ec2::254", "::ffff:10.0.0.1"])
def test_every_resolved_address_is_checked(bad):
    resolve = fake_resolver({"mixed.example": [PUBLIC_V4, PUBLIC_V6, bad]})
    with pytest.raises(BlockedURLError, match="non-public|IPv4-mapped"):
        check_url("http://mixed.example/", resolve=resolve)


def test_unresolvable_name_is_a_fetch_error_not_a_block():
    with pytest.raises(FetchError) as info:
        check_url("http://nowhere.example/", resolve=fake_resolver({}))
    assert not isinstance(info.value, BlockedURLError)


def test_allowed_hosts_may_be_private_but_still_get_syntax_checks():
    policy = NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1", "Intranet.Example.", "[::1]"}))
    resolve = fake_resolver({"intranet.example": ["10.1.1.1"]})
    assert check_url("http://127.0.0.1:8000/feed", policy, resolve=resolve) == "http://127.0.0.1:8000/feed"
    assert check_url("http://intranet.example/rss", policy, resolve=resolve) == "http://intranet.example/rss"
    assert check_url("http://[::1]/", policy, resolve=resolve) == "http://[::1]/"
    with pytest.raises(BlockedURLError, match="userinfo"):
        check_url("http://a:b@127.0.0.1/", policy, resolve=resolve)
    with pytest.raises(BlockedURLError):
        check_url("http://127.0.0.2/", policy, resolve=resolve)  # only the listed host
    with pytest.raises(BlockedURLError, match="numeric host"):
        check_url("http://2130706433/", policy, resolve=resolve)  # not the same host string


def test_check_host_returns_the_checked_addresses_for_pinning():
    resolve = fake_resolver({"example.com": [PUBLIC_V4, PUBLIC_V6, PUBLIC_V4]})
    assert check_host("example.com", 443, NetworkPolicy(), resolve=resolve) == [PUBLIC_V4, PUBLIC_V6]
    assert check_host("93.184.216.34", 80, NetworkPolicy(), resolve=resolve) == [PUBLIC_V4]


@pytest.mark.parametrize(
    ("address", "blocked"),
    [("8.8.8.8", False), ("1.1.1.1", False), (PUBLIC_V6, False), ("192.88.99.1", True), ("198.18.0.1", True),
     ("192.0.2.1", True), ("2001:db8::1", True), ("2001::1", True), ("100::1", True), ("fec0::1", True)],
)
def test_blocked_reason(address, blocked):
    assert (blocked_reason(ipaddress.ip_address(address)) is not None) is blocked
