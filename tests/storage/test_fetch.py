"""The address guard and data: URIs, without the network."""

from __future__ import annotations

import base64

import pytest

from soundstage.errors import FetchFailed, UnsafeURL
from soundstage.storage.fetch import check_url, parse_data_uri


def fixed(*addresses: str):
    return lambda host: list(addresses)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.2.3.4", "172.16.0.1", "192.168.0.10", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1",
])
def test_private_and_special_addresses_are_refused(address: str) -> None:
    with pytest.raises(UnsafeURL) as err:
        check_url("https://example.test/a.wav", "audio_urls[0]", False, resolve=fixed(address))
    assert "audio_urls[0]" in str(err.value) and address in str(err.value)


def test_one_bad_address_among_good_ones_is_enough_to_refuse() -> None:
    with pytest.raises(UnsafeURL):
        check_url("https://example.test/", "u", False, resolve=fixed("93.184.216.34", "10.0.0.1"))


def test_public_addresses_pass_and_trusted_hosts_are_exempt() -> None:
    check_url("https://example.test/", "u", False, resolve=fixed("93.184.216.34", "2606:2800:220:1::1"))
    check_url("http://media.internal/", "u", False, frozenset({"media.internal"}), resolve=fixed("10.0.0.5"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x/", "ftp://example.com/a", "http:///nohost"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, "u", True)


def test_data_uri_base64_and_percent_encoded() -> None:
    payload = base64.b64encode(b"\x00\x01RIFF").decode()
    fetched = parse_data_uri(f"data:audio/wav;base64,{payload}", "u", 100)
    assert fetched.data == b"\x00\x01RIFF" and fetched.content_type == "audio/wav"
    assert parse_data_uri("data:,hello%20world", "u", 100).data == b"hello world"


def test_data_uri_over_the_limit_is_refused_before_decoding() -> None:
    with pytest.raises(FetchFailed) as err:
        parse_data_uri("data:audio/wav;base64," + "A" * 4000, "audio_urls[1]", 1000)
    assert "audio_urls[1]" in str(err.value) and "1000" in str(err.value)
