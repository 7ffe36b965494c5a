"""moto in server mode as the S3-compatible store of the tests (a stand-in for S3 or MinIO, tests only),
and a TCP proxy that can cut the object store off for a while (the outage fault test)."""

from __future__ import annotations

import importlib.util
import selectors
import socket
import subprocess
import sys
import threading
import time
import uuid

import boto3
import httpx

from tests.support.server import free_port

__all__ = ["S3_ENV", "MotoServer", "TcpProxy", "fresh_bucket"]

# moto accepts any credentials; these are the standard AWS variables S3Storage reads.
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
          "AWS_DEFAULT_REGION": "us-east-1"}


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return (importlib.util.find_spec("moto.server") is not None
                and importlib.util.find_spec("flask") is not None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                      str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/moto-api/", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


def fresh_bucket(endpoint: str) -> str:
    name = f"t-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, **_credentials()).create_bucket(Bucket=name)
    return name


def _credentials() -> dict[str, str]:
    return {"aws_access_key_id": S3_ENV["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": S3_ENV["AWS_SECRET_ACCESS_KEY"],
            "region_name": S3_ENV["AWS_DEFAULT_REGION"]}


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()`` closes every connection and refuses new ones
    until ``restore()``, as an object store that went away would."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._down = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self._listen: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        self._open_listener()
        self._thread.start()
        return self

    def _open_listener(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        sock.settimeout(0.1)
        self._listen = sock

    def cut(self) -> None:
        self._down.set()
        with self._lock:
            if self._listen is not None:
                self._listen.close()  # new connections are refused
                self._listen = None
            for s in list(self._socks):
                s.close()
            self._socks.clear()

    def restore(self) -> None:
        with self._lock:
            self._open_listener()
        self._down.clear()

    def stop(self) -> None:
        self._stop.set()
        self.cut()

    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                listen = self._listen
            if listen is None:
                time.sleep(0.05)
                continue
            try:
                client, _ = listen.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return
        with self._lock:
            self._socks.update({client, upstream})
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, upstream)
        sel.register(upstream, selectors.EVENT_READ, client)
        try:
            while not self._down.is_set():
                for key, _ in sel.select(0.2):
                    data = key.fileobj.recv(1 << 16)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            pass
        finally:
            sel.close()
            client.close()
            upstream.close()
