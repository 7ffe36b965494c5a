"""App ids: fal's endpoint roots, and ids with sub-paths (the Seedance tiers) resolved by longest prefix."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from soundstage.apps.base import App
from soundstage.apps.registry import AppRegistry, endpoint_root
from soundstage.errors import ConfigError, NotFound


def _app(app_id: str) -> App:
    return App(id=app_id, title=app_id, input=BaseModel, output=BaseModel, load=lambda env: lambda i, c: i)


def test_endpoint_root_is_what_the_clients_compute() -> None:
    assert endpoint_root("bytedance/seedance-2.0/fast/text-to-video") == "bytedance/seedance-2.0"
    assert endpoint_root("workflows/me/flow/sub") == "workflows/me/flow"


def test_longest_registered_prefix_wins() -> None:
    text, fast, root = (_app("bytedance/seedance-2.0/text-to-video"),
                        _app("bytedance/seedance-2.0/fast/text-to-video"), _app("owner/alias"))
    registry = AppRegistry([text, fast, root])
    assert registry.resolve("bytedance/seedance-2.0/text-to-video") is text
    assert registry.resolve("bytedance/seedance-2.0/fast/text-to-video") is fast
    assert registry.resolve("owner/alias/any/sub/path") is root
    with pytest.raises(NotFound):
        registry.resolve("bytedance/seedance-2.0/image-to-video")
    with pytest.raises(NotFound):
        registry.resolve("bytedance/seedance-2.0")


@pytest.mark.parametrize("bad", ["alone", "owner//alias", "workflows/only"])
def test_malformed_ids_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        AppRegistry([_app(bad)])
