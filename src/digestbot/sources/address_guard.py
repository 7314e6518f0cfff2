"""Which addresses a post's link may make us connect to: public ones only, by default.

A link comes from anyone who can post. Left unchecked it could point the bot at the
host's metadata service (169.254.169.254), its own admin ports (127.0.0.1) or the
intranet behind it (10.0.0.0/8, fd00::/8), and the page read would reach an LLM prompt
and a published digest. So, unless `[articles] allow_private_hosts` is set, every
connection goes to a global unicast address, checked in two places that together see
every address connected to:

- `refusal(url)`, before each request, redirects included: the scheme must be http(s),
  and a host written as a number is read as the operating system would read it
  (127.1, 2130706433, 0x7f000001, [::ffff:127.0.0.1]) and checked. aiohttp connects to
  such hosts without asking the resolver.
- `PublicOnlyResolver`, the connector's resolver: a name's answers are checked and only
  the public ones handed to the connector, which connects to exactly those. The check
  and the connection use one answer, so a name that changes its answer between them
  (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

PRIVATE = "a private address (set [articles] allow_private_hosts = true to allow it)"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddress(OSError):
    """A host whose addresses are not public; aiohttp hands it on as the connection's
    cause (ClientConnectorError.os_error)."""


def is_public(address: Address) -> bool:
    """Whether `address` is global unicast: not loopback, private, link-local, shared
    (100.64/10), unspecified, multicast, reserved or documentation; an IPv6 address
    that carries an IPv4 one (mapped, 6to4, NAT64) is judged by the IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved)


def numeric_host(host: str) -> Address | None:
    """The address a host written as a number stands for, as the OS reads it; None for
    a name."""
    if ":" in host:  # IPv6, perhaps with a zone (fe80::1%eth0)
        try:
            return ipaddress.IPv6Address(host.strip("[]").partition("%")[0])
        except ValueError:
            return None
    try:  # inet_aton takes the old forms too: 127.1, 2130706433, 0x7f000001, 0177.0.0.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def refusal(url: URL, allow_private: bool) -> str:
    """Why `url` may not be fetched ("" when it may): not http(s), no host, or a
    numeric host that is not public."""
    if url.scheme not in ("http", "https"):
        return f"not a web address ({url.scheme or 'no scheme'})"
    if not url.host:
        return "not a web address (no host)"
    address = numeric_host(url.host)
    if address is None and ":" in url.host:
        return "not a web address (a malformed IPv6 host)"
    if address is not None and not allow_private and not is_public(address):
        return PRIVATE
    return ""


class PublicOnlyResolver(AbstractResolver):
    """aiohttp's default resolver, with every answer that is not public taken out; a
    name left with none raises PrivateAddress."""

    def __init__(self) -> None:
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._resolver.resolve(host, port, family)
        public = [a for a in answers if _public_answer(a["host"])]
        if not public:
            raise PrivateAddress(f"{host} resolves to {PRIVATE}")
        return public

    async def close(self) -> None:
        await self._resolver.close()


def _public_answer(host: str) -> bool:
    address = numeric_host(host)
    return address is not None and is_public(address)
