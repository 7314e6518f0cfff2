"""Where "auto" concurrency starts, shared by a run and `config check --probe`.

What an earlier run learned of the server comes first; then the slots the server says it
has; then a guess from where it is: a home model server (this machine, a private
network) often has one slot, so a few at once; a hosted API takes a whole digest's calls
in one wave.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_CONCURRENCY = 16
LOCAL_START = 2
OPENAI_URL = "https://api.openai.com/v1"  # the openai client's default endpoint


def is_local(url: str) -> bool:
    """Whether the endpoint is this machine or a private network: a home model server."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith((".local", ".lan", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def starting_concurrency(endpoint: str, slots: int | None, learned: int | None = None) -> int:
    start = learned or slots or (LOCAL_START if is_local(endpoint) else MAX_CONCURRENCY)
    return min(start, MAX_CONCURRENCY)
