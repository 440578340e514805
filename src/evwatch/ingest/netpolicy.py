"""Which URLs and addresses evwatch may fetch (a server-side request forgery guard).

Feed lists and redirects come from outside, so a URL must not be able to make evwatch talk to
the machine it runs on, the local network or a cloud metadata service. Two layers:

* ``check_url`` refuses a URL before any connection: a scheme other than http/https, userinfo,
  backslashes and control characters (inputs that different URL parsers read differently),
  hosts written as decimal/octal/hex numbers, and hosts any of whose addresses is not public.
* ``check_host`` is what the fetcher's connection layer calls when it opens a socket: it
  resolves the host once, checks every address and returns them, and the socket is then
  connected to one of exactly those addresses. Checking and connecting therefore use the same
  DNS answer, which closes the DNS-rebinding window between a check and a later connect.

Hosts in ``NetworkPolicy.allowed_hosts`` skip the address checks (for local test servers and
intranet feeds the operator opted into), never the syntax checks.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from evwatch.errors import BlockedURLError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: ``socket.getaddrinfo``-compatible: called as ``resolve(host, port, 0, socket.SOCK_STREAM)``.
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges refused on top of what the ipaddress flags (private, loopback, link-local, multicast,
# reserved, unspecified, not global) already refuse; listed so the rule does not depend on
# which Python patch release's tables are installed.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches localhost on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT; also Alibaba Cloud metadata 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local; AWS/GCP/Azure metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",  # includes 255.255.255.255
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated) addresses
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, incl. Teredo 2001::/32
        "2001:db8::/32",
        "3fff::/20",  # documentation
        "fc00::/7",  # unique-local; includes AWS metadata fd00:ec2::254
        "fe80::/10",
        "fec0::/10",  # deprecated site-local
        "ff00::/8",
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# One label of a host that an IPv4 parser (inet_aton, WHATWG) would read as a number.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_HOSTNAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$")
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def _normalise_host(host: str) -> str:
    """Lower-case, without brackets or a trailing dot; IPv6 in compressed form."""
    host = host.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


@dataclass(frozen=True)
class NetworkPolicy:
    """What the fetcher may connect to.

    ``allowed_hosts`` are host names or IP literals that may resolve to (or be) private,
    loopback or otherwise non-public addresses; everything else must be public.
    """

    allowed_hosts: frozenset[str] = frozenset()
    allowed_schemes: frozenset[str] = frozenset({"http", "https"})

    def __post_init__(self) -> None:
        # Normalised once so "LOCALHOST." and "[::1]" match what URL parsing produces.
        object.__setattr__(self, "allowed_hosts", frozenset(_normalise_host(h) for h in self.allowed_hosts))
        object.__setattr__(self, "allowed_schemes", frozenset(s.lower() for s in self.allowed_schemes))

    def is_allowed_host(self, host: str) -> bool:
        """True if ``host`` was opted into non-public addresses."""
        return _normalise_host(host) in self.allowed_hosts


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be connected to, or None if it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            # Dual-stack sockets connect ::ffff:a.b.c.d to a.b.c.d; no public site needs it.
            return f"IPv4-mapped IPv6 address {address} (embeds {address.ipv4_mapped})"
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            reason = blocked_reason(embedded)
            return f"NAT64 address {address} embeds {reason}" if reason else None
        if address.sixtofour is not None:
            reason = blocked_reason(address.sixtofour)
            if reason:
                return f"6to4 address {address} embeds {reason}"
    for network in _BLOCKED_NETWORKS:
        if address.version == network.version and address in network:
            return f"non-public address {address} (in {network})"
    flags = ("is_loopback", "is_private", "is_link_local", "is_multicast", "is_reserved", "is_unspecified")
    for flag in flags:
        if getattr(address, flag):
            return f"non-public address {address} ({flag[3:].replace('_', '-')})"
    if not address.is_global:
        return f"non-public address {address}"
    return None


def _is_numeric_host(host: str) -> bool:
    """True for hosts an IPv4 parser would read as a number in a non-canonical way.

    ``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1`` and ``127.000.0.1`` all reach
    127.0.0.1 through inet_aton; only the canonical dotted quad is accepted (and then checked
    as an address). Like the WHATWG URL standard, a host whose last label is numeric counts.
    """
    if ":" in host:  # IPv6 literals are parsed strictly and checked as addresses
        return False
    labels = host.rstrip(".").split(".")
    if not _NUMERIC_LABEL.match(labels[-1]):
        return False
    try:
        return str(ipaddress.IPv4Address(host)) != host
    except ValueError:
        return True


def parse_url(url: str, policy: NetworkPolicy) -> httpx.URL:
    """Parse ``url`` as the HTTP client will, refusing anything ambiguous or not allowed.

    Uses httpx's own parser (so the host checked is the host connected to) and cross-checks
    it against urllib's: if two parsers disagree about the host, the URL is a trick.
    """
    if not isinstance(url, str) or not url.strip():
        raise BlockedURLError("empty URL", url=str(url))
    url = url.strip()
    if _FORBIDDEN_CHARS.search(url):
        raise BlockedURLError("control character or backslash in URL", url=url)
    try:
        split = urlsplit(url)
        split_host = split.hostname or ""
        split.port  # noqa: B018 - raises ValueError when out of range
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise BlockedURLError(f"unparseable URL: {exc}", url=url) from exc
    scheme = split.scheme.lower()
    if scheme not in policy.allowed_schemes or parsed.scheme not in policy.allowed_schemes:
        raise BlockedURLError(f"scheme {scheme or '(none)'!r} is not allowed", url=url)
    if "@" in split.netloc or parsed.userinfo:
        raise BlockedURLError("credentials (userinfo) in URL are not allowed", url=url)
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise BlockedURLError("URL has no host", url=url)
    if _normalise_host(parsed.host) != _normalise_host(split_host):
        raise BlockedURLError(f"ambiguous host ({parsed.host!r} vs {split_host!r})", url=url)
    if "%" in host:  # percent-encoded names and IPv6 zone ids ("fe80::1%25eth0")
        raise BlockedURLError(f"invalid host {host!r}", url=url)
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise BlockedURLError(f"invalid IPv6 host {host!r}", url=url) from exc
    elif not _HOSTNAME.match(host):
        raise BlockedURLError(f"invalid host {host!r}", url=url)
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise BlockedURLError(f"invalid port {parsed.port}", url=url)
    if _is_numeric_host(host) and not policy.is_allowed_host(host):
        raise BlockedURLError(f"numeric host {host!r} is not a canonical IPv4 address", url=url)
    return parsed


def check_host(
    host: str,
    port: int,
    policy: NetworkPolicy,
    *,
    resolve: Resolver = socket.getaddrinfo,
    url: str | None = None,
) -> list[str]:
    """Resolve ``host`` once and return its addresses, if every one of them may be connected to.

    All addresses are checked, not just the first: a name answering with one public and one
    private address is refused, because the connection could use either. Raises
    BlockedURLError for a refused address and FetchError if the name does not resolve.
    ``url`` only gives the errors their context.
    """
    where = url or f"{host}:{port}"
    bare = host.strip("[]")
    try:
        literal: IPAddress | None = ipaddress.ip_address(bare)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            infos = resolve(bare, port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve host {host!r}: {exc}", url=where) from exc
        # sockaddr[0] of an IPv6 link-local answer may carry a zone ("fe80::1%eth0").
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        if not addresses:
            raise FetchError(f"host {host!r} resolved to no address", url=where)
    if policy.is_allowed_host(bare):
        return addresses
    for address in addresses:
        try:
            reason = blocked_reason(ipaddress.ip_address(address))
        except ValueError:
            reason = f"unparseable address {address!r}"
        if reason:
            what = "refused" if literal is not None else "resolves to"
            raise BlockedURLError(f"host {host!r} {what}: {reason}", url=where)
    return addresses


def check_url(url: str, policy: NetworkPolicy = NetworkPolicy(), *, resolve: Resolver = socket.getaddrinfo) -> str:
    """Return the normalised form of ``url`` if the policy allows fetching it.

    Raises BlockedURLError (or FetchError when the host does not resolve). The fetcher calls
    this before the first request and again for every redirect target.
    """
    parsed = parse_url(url, policy)
    port = parsed.port or DEFAULT_PORTS.get(parsed.scheme, 0)
    normalised = str(parsed)
    check_host(parsed.raw_host.decode("ascii"), port, policy, resolve=resolve, url=normalised)
    return normalised
