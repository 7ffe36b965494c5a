"""Fetching user-supplied URLs: http(s), ``data:`` URIs and our own file URLs, with limits and an SSRF guard.

The guard resolves the host and refuses loopback, private, link-local, shared, multicast, reserved
and cloud-metadata addresses, on the first request and again on every redirect hop (redirects are
followed by hand for that reason). Sizes are enforced while streaming, never after.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import httpx

from soundstage.errors import FetchFailed, UnsafeURL

__all__ = ["Fetched", "Fetcher", "check_url", "parse_data_uri"]

MAX_REDIRECTS = 5
CHUNK = 1 << 16

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str
    file_name: str


def _unsafe(ip: Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_url(url: str, field: str, allow_private: bool, allowed_hosts: frozenset[str] = frozenset(),
              resolve: Callable[[str], list[str]] | None = None) -> None:
    """Raise UnsafeURL unless ``url`` is http(s) to public addresses only (or ``data:``).

    ``allowed_hosts`` names hosts trusted although private (an operator's own services).
    """
    parts = urlsplit(url)
    if parts.scheme == "data":
        return
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURL(f"{field}: only http, https and data URLs are accepted, got {url[:80]!r}",
                        field=field, value=url[:200])
    if allow_private or parts.hostname in allowed_hosts:
        return
    for address in (resolve or _resolve)(parts.hostname):
        if _unsafe(ipaddress.ip_address(address.split("%")[0])):
            raise UnsafeURL(f"{field}: {parts.hostname!r} resolves to {address}, a loopback, private,"
                            " link-local or reserved address; such URLs are refused", field=field,
                            value=url[:200])


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise FetchFailed(f"cannot resolve {host!r}: {e.strerror}", field=None, value=host) from e
    return sorted({str(info[4][0]) for info in infos})


def parse_data_uri(uri: str, field: str, limit: int) -> Fetched:
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        raise FetchFailed(f"{field}: malformed data URI (no comma)", field=field, value=uri[:80])
    params = header.split(";")
    content_type = params[0] or "text/plain"
    # base64 grows 4/3: refuse before decoding anything too large.
    if len(payload) * 3 // 4 > limit:
        raise FetchFailed(f"{field}: data URI holds more than the limit of {limit} bytes", field=field,
                          value=f"{len(payload) * 3 // 4} bytes")
    try:
        data = base64.b64decode(payload, validate=False) if "base64" in params[1:] else \
            unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as e:
        raise FetchFailed(f"{field}: data URI is not valid base64", field=field, value=uri[:80]) from e
    return Fetched(data=data, content_type=content_type, file_name="input")


class Fetcher:
    """Downloads inputs for apps. ``own_files`` resolves our own /files/ URLs without the network."""

    def __init__(self, allow_private: bool, timeout: float,
                 allowed_hosts: frozenset[str] = frozenset()) -> None:
        self.allow_private = allow_private
        self.allowed_hosts = allowed_hosts
        self.timeout = timeout

    def fetch(self, url: str, *, field: str, limit: int) -> Fetched:
        if url.startswith("data:"):
            return parse_data_uri(url, field, limit)
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as client:
                for _ in range(MAX_REDIRECTS + 1):
                    check_url(url, field, self.allow_private, self.allowed_hosts)
                    with client.stream("GET", url) as response:
                        if response.is_redirect:
                            url = urljoin(url, response.headers["location"])
                            continue
                        return self._read(response, url, field, limit)
        except httpx.HTTPError as e:
            raise FetchFailed(f"{field}: fetching {url[:120]} failed: {type(e).__name__}: {e}", field=field,
                              value=url[:200]) from e
        raise FetchFailed(f"{field}: more than {MAX_REDIRECTS} redirects", field=field, value=url[:200])

    def _read(self, response: httpx.Response, url: str, field: str, limit: int) -> Fetched:
        if response.status_code >= 400:
            raise FetchFailed(f"{field}: fetching {url[:120]} gave HTTP {response.status_code}", field=field,
                              value=url[:200])
        declared = int(response.headers.get("content-length") or 0)
        if declared > limit:
            raise FetchFailed(f"{field}: file is {declared} bytes; the limit is {limit}", field=field,
                              value=url[:200])
        body = bytearray()
        for chunk in response.iter_bytes(CHUNK):
            body += chunk
            if len(body) > limit:
                raise FetchFailed(f"{field}: file is larger than the limit of {limit} bytes", field=field,
                                  value=url[:200])
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "input"
        content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0]
        return Fetched(data=bytes(body), content_type=content_type, file_name=name)
