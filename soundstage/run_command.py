"""``soundstage run APP`` and ``soundstage say TEXT``: one request, from the command line to a file.

Against a server (``--server URL``, key from ``FAL_KEY``) or, with none given, in this process: the
API and one worker on an ephemeral loopback port over a scratch job store, reading the models of the
data dir (so a server running on the same data dir never sees these jobs, nor these runs its jobs).
A progress bar shows the job's own progress; its log lines scroll above it; Ctrl-C cancels the job.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from soundstage.errors import InvalidInput
from soundstage.remote import Remote, Submitted

__all__ = ["cmd_run", "cmd_say", "register"]

SPEECH_APP = "soundstage/speech"
EXIT_CANCELLED = 130  # the shell's code for a run ended by Ctrl-C
SAY_FORMATS = {".mp3": "mp3", ".opus": "opus", ".ogg": "opus", ".aac": "aac", ".flac": "flac", ".wav": "wav",
               ".pcm": "pcm"}
MAIN_OUTPUTS = ("video", "audio")  # the file -o names, when the result has several


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise InvalidInput(f"{flag} {text!r}: expected field=value", field=flag, value=text)
    return name.strip(), value


def _value(raw: str) -> Any:
    """JSON when it parses (numbers, booleans, lists), else the string as given."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _payload(args: argparse.Namespace, remote: Remote, schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    payload: dict[str, Any] = {}
    if args.prompt is not None:
        payload["input" if "input" in props and "prompt" not in props else "prompt"] = args.prompt
    for item in args.set or []:
        name, raw = _pair(item, "--set")
        payload[name] = _value(raw)
    for item in args.file or []:
        name, raw = _pair(item, "--file")
        path = Path(raw).expanduser()
        if not path.is_file():
            raise InvalidInput(f"--file {name}: {path} is not a file", field=name, value=str(path))
        url = remote.upload(path)
        payload[name] = [*payload.get(name, []), url] if name.endswith("_urls") else url
    return payload


def _files(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every fal File object in a result, with where it sits (``audio``, ``stems[0].audio`` ...)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _files(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        if isinstance(value.get("url"), str) and ("content_type" in value or "file_name" in value):
            yield path, value
            return
        for key, item in value.items():
            yield from _files(item, f"{path}.{key}" if path else key)


def _save(remote: Remote, result: dict[str, Any], out: str | None) -> list[Path]:
    """``out`` a directory (existing, or written with a trailing slash): every file; else the main one."""
    files = list(_files(result))
    if not files:
        return []
    if out is not None and (Path(out).is_dir() or out.endswith(("/", os.sep))):
        Path(out).mkdir(parents=True, exist_ok=True)
        return [_fetch(remote, f, Path(out) / Path(f["file_name"]).name) for _, f in files]
    main = next((f for where, f in files if where in MAIN_OUTPUTS), files[0][1])
    return [_fetch(remote, main, Path(out) if out else Path(Path(main["file_name"]).name))]


def _fetch(remote: Remote, file: dict[str, Any], path: Path) -> Path:
    remote.download(file["url"], path)
    return path


class Progress:
    """A tqdm bar on stderr: queue position or the job's progress; log lines printed above it."""

    def __init__(self, quiet: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=100, unit="%", file=sys.stderr, disable=quiet, dynamic_ncols=True,
                        bar_format="{desc} {bar} {n:.0f}% {elapsed}")
        self.bar.set_description_str("submitted")
        self.quiet = quiet

    def update(self, status: dict[str, Any]) -> None:
        for line in status.get("logs") or []:
            self.write(f"{line['level']:<5} {line['message']}")
        if status["status"] == "IN_QUEUE":
            self.bar.set_description_str(f"queued ({status.get('queue_position', 0)} ahead)")
        elif status["status"] == "IN_PROGRESS":
            self.bar.set_description_str("running")
        else:
            self.bar.set_description_str("failed" if status.get("error") else "done")
        if isinstance(status.get("progress"), int | float):
            self.bar.n = round(100 * float(status["progress"]))
            self.bar.refresh()

    def write(self, text: str) -> None:
        if not self.quiet:
            self.bar.write(text, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def _follow(remote: Remote, job: Submitted, progress: Progress) -> dict[str, Any]:
    """Wait for the job (Ctrl-C cancels it) and return its result; a failure raises with its message."""
    try:
        for status in remote.statuses(job):
            progress.update(status)
    except KeyboardInterrupt:
        progress.write(f"cancelling {job.request_id}")
        remote.cancel(job)
        raise
    finally:
        progress.close()
    return remote.result(job)


def _run(remote: Remote, app_id: str, payload: dict[str, Any], out: str | None, quiet: bool) -> int:
    job = remote.submit(app_id, payload)
    progress = Progress(quiet)
    progress.write(f"{app_id}: request {job.request_id}")
    try:
        result = _follow(remote, job, progress)
    except KeyboardInterrupt:
        print("soundstage: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    for path in _save(remote, result, out):
        print(path)
    if not quiet:
        print(json.dumps(result, indent=1), file=sys.stderr)
    return 0


@contextlib.contextmanager
def _connected(args: argparse.Namespace) -> Iterator[Remote]:
    logging.getLogger().setLevel(logging.WARNING)  # the job's own log lines are shown; HTTP chatter is not
    logging.getLogger("phonemizer").setLevel(logging.ERROR)  # its word-count notes mean nothing to a user
    if args.server:
        remote = Remote(args.server, os.environ.get("FAL_KEY"))
        try:
            yield remote
        finally:
            remote.close()
        return
    from soundstage.embedded import embedded_server

    with tempfile.TemporaryDirectory(prefix="soundstage-run-") as scratch, \
            embedded_server(args.data_dir or Path("data"), Path(scratch)) as url:
        remote = Remote(url, None)
        try:
            yield remote
        finally:
            remote.close()


def cmd_run(args: argparse.Namespace) -> int:
    with _connected(args) as remote:
        app = remote.app(args.app)
        payload = _payload(args, remote, app["input_schema"])
        return _run(remote, app["id"], payload, args.output, args.quiet)


def cmd_say(args: argparse.Namespace) -> int:
    out: str = args.output
    fmt = SAY_FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise InvalidInput(f"-o {out}: the extension picks the format; one of {', '.join(SAY_FORMATS)}",
                           field="output", value=out)
    payload = {"input": args.text, "voice": args.voice, "response_format": fmt, "speed": args.speed}
    with _connected(args) as remote:
        return _run(remote, SPEECH_APP, payload, out, args.quiet)


def _client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", default=os.environ.get("SOUNDSTAGE_SERVER"),
                        help="server URL (SOUNDSTAGE_SERVER; key from FAL_KEY); default: run in this process")
    parser.add_argument("--data-dir", type=Path, help="in-process runs: whose models to use (default ./data)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, logs or result JSON")


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run one request of an app and save its output")
    run.add_argument("app", help="app id, e.g. bytedance/seed-audio-1.0")
    run.add_argument("--prompt", help="the prompt (the app's 'prompt' or 'input' field)")
    run.add_argument("--set", action="append", metavar="FIELD=VALUE", help="a field; JSON is parsed")
    run.add_argument("--file", action="append", metavar="FIELD=PATH", help="upload a file into a URL field")
    run.add_argument("-o", "--output", help="file for the main output, or a directory/ for every file")
    _client_options(run)
    run.set_defaults(func=cmd_run)

    say = sub.add_parser("say", help="speak a text into a file (soundstage/speech)")
    say.add_argument("text")
    say.add_argument("--voice", default="af_heart", help="`soundstage voices`, or alloy, nova ...")
    say.add_argument("--speed", type=float, default=1.0)
    say.add_argument("-o", "--output", default="speech.mp3",
                     help="output file; its extension picks the format (mp3, opus, aac, flac, wav, pcm)")
    _client_options(say)
    say.set_defaults(func=cmd_say)

