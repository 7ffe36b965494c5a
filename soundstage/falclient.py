"""Point an installed, unmodified ``fal_client`` at a soundstage server, over plain http or https.

fal-client reads its hosts from module constants at call time (fal-protocol.md, 2.1 B), so setting
them redirects every call, storage uploads included, without touching the package's files::

    import soundstage.falclient
    soundstage.falclient.use_server("http://127.0.0.1:8000")
    import fal_client
    fal_client.subscribe("bytedance/seed-audio-1.0", arguments={"prompt": "Hello"})

Call it before the first upload: the CDN token manager copies ``REST_URL`` when it is first built.
"""

from __future__ import annotations

__all__ = ["use_server"]


def use_server(base_url: str) -> None:
    from fal_client import client

    base = base_url.rstrip("/")
    ws = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    client.RUN_URL_FORMAT = f"{base}/run/"
    client.QUEUE_URL_FORMAT = f"{base}/queue/"
    client.REALTIME_URL_FORMAT = f"{ws}/run/"
    client.REST_URL = f"{base}/rest"
    client.CDN_URL = f"{base}/cdn"
