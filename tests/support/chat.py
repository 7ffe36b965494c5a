"""A loopback OpenAI-compatible chat endpoint that returns queued answers, for writer and judge tests.

No language model runs here: each POST to ``/chat/completions`` records the request body and answers with
the next queued string as the assistant's message.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

__all__ = ["ChatEndpoint"]


class ChatEndpoint:
    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        self.answers: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.requests.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                reply = json.dumps({"choices": [{"message": {"role": "assistant",
                                                             "content": outer.answers.pop(0)}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def schemas(self) -> list[str]:
        """The JSON-schema name of each request so far ("verdict", "script" ...)."""
        return [r["response_format"]["json_schema"]["name"] for r in self.requests]  # type: ignore[index]

    def __enter__(self) -> Self:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
