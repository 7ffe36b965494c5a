"""The writer client against a loopback OpenAI-compatible endpoint (no language model runs here, so the
endpoint returns fixed answers; the client's request, validation and conversion are what is tested)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from soundstage.errors import AppFailed
from soundstage.script.model import CueKind, Line, Pause
from soundstage.script.writer import WriterConfig, write_script

GOOD = {"title": "Night shift", "setting": "Convenience store",
        "speakers": [{"name": "Clerk", "gender": "male"}, {"name": "Mia", "gender": "female"}],
        "items": [{"type": "cue", "kind": "ambience", "description": "fluorescent hum"},
                  {"type": "line", "speaker": "Clerk", "text": "We're closed.", "direction": "whispering"},
                  {"type": "pause", "seconds": 0.5},
                  {"type": "line", "speaker": "Mia", "text": "The door was open."}]}


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[dict[str, object]], list[str]]]:
    requests: list[dict[str, object]] = []
    answers: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                             "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
            reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": answers.pop(0)}}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", requests, answers
    httpd.shutdown()


def test_writes_validates_and_converts(endpoint: tuple[str, list[dict[str, object]], list[str]]) -> None:
    url, requests, answers = endpoint
    answers.append(json.dumps(GOOD))
    script = write_script("a short drama in a store", WriterConfig(url=url, model="m", key="k"))
    sent = requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k"
    assert sent["body"]["response_format"]["type"] == "json_schema"  # type: ignore[index]
    assert script.setting == "convenience store" and script.cues[0].kind is CueKind.AMBIENCE
    clerk = script.items[1]
    assert isinstance(clerk, Line) and clerk.delivery.gain_db < 0 and script.items[2] == Pause(0.5)
    assert [(s.name, s.gender) for s in script.speakers] == [("Clerk", "male"), ("Mia", "female")]


@pytest.mark.parametrize("answer", ["not json", json.dumps({"speakers": [], "items": []}),
                                    json.dumps({**GOOD, "items": [{"type": "pause", "seconds": 99}]})])
def test_invalid_answers_are_refused(endpoint: tuple[str, list[dict[str, object]], list[str]],
                                     answer: str) -> None:
    url, _, answers = endpoint
    answers.append(answer)
    with pytest.raises(AppFailed):
        write_script("x", WriterConfig(url=url))
