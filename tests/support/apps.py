"""Small apps that the tests register with a real server through SOUNDSTAGE_APPS."""

from __future__ import annotations

import hashlib
import os
import time

from pydantic import BaseModel, Field

from soundstage.apps.base import Admission, App, AppEnv, RunContext
from soundstage.errors import InvalidInput


class EchoInput(BaseModel):
    text: str = Field(max_length=100)
    repeat: int = Field(default=1, ge=1, le=5)
    seed: int | None = None


class EchoOutput(BaseModel):
    text: str
    seed: int
    random: float


def _echo(env: AppEnv):
    def run(inp: EchoInput, ctx: RunContext) -> EchoOutput:
        ctx.log(f"echoing {len(inp.text)} characters")
        return EchoOutput(text=inp.text * inp.repeat, seed=ctx.seed, random=float(ctx.rng.random()))
    return run


class SleepInput(BaseModel):
    seconds: float = Field(default=1.0, ge=0, le=60)
    steps: int = Field(default=10, ge=1, le=100)
    fail: bool = False
    write_file: bool = False
    crash: bool = False


class SleepOutput(BaseModel):
    slept: float
    pid: int
    file_url: str | None = None


def _sleep(env: AppEnv):
    def run(inp: SleepInput, ctx: RunContext) -> SleepOutput:
        url = None
        if inp.write_file:
            url = ctx.save(b"partial output", file_name="partial.txt", content_type="text/plain").url
            ctx.log(f"wrote {url}")
        for step in range(inp.steps):
            ctx.check_cancelled()
            ctx.progress(step / inp.steps, f"step {step + 1}/{inp.steps}")
            if inp.crash and step == inp.steps // 2:
                os._exit(17)  # a worker dying mid-job
            time.sleep(inp.seconds / inp.steps)
        if inp.fail:
            raise InvalidInput("seconds: failing on purpose", field="seconds", value=inp.seconds)
        return SleepOutput(slept=inp.seconds, pid=os.getpid(), file_url=url)
    return run


class FetchInput(BaseModel):
    url: str
    limit: int = 1 << 20


class FetchOutput(BaseModel):
    size: int
    sha256: str
    content_type: str


def _fetch(env: AppEnv):
    def run(inp: FetchInput, ctx: RunContext) -> FetchOutput:
        data, content_type = ctx.fetch(inp.url, field="url", limit=inp.limit)
        return FetchOutput(size=len(data), sha256=hashlib.sha256(data).hexdigest(), content_type=content_type)
    return run


class StreamInput(BaseModel):
    count: int = Field(default=3, ge=1, le=20)


class StreamOutput(BaseModel):
    total: int


def _stream(env: AppEnv):
    def run(inp: StreamInput, ctx: RunContext) -> StreamOutput:
        for i in range(inp.count):
            ctx.emit({"partial": i})
            time.sleep(0.02)
        return StreamOutput(total=inp.count)
    return run


class NoopInput(BaseModel):
    pass


class NoopOutput(BaseModel):
    ok: bool = True


def _noop(env: AppEnv):
    return lambda inp, ctx: NoopOutput()


class CopyInput(BaseModel):
    url: str


class CopyOutput(BaseModel):
    file: dict[str, object]
    sha256: str


def _copy(env: AppEnv):
    """Reads an input file (an upload or a reference) and writes it back as an output file."""
    def run(inp: CopyInput, ctx: RunContext) -> CopyOutput:
        data, content_type = ctx.fetch(inp.url, field="url", limit=1 << 20)
        saved = ctx.save(data, file_name="copy.bin", content_type=content_type)
        return CopyOutput(file=saved.to_json(), sha256=hashlib.sha256(data).hexdigest())
    return run


def _admit_fetch(inp: FetchInput, admission: Admission) -> FetchInput:
    """Fetch at submit: a file over 16 bytes is refused before anything is queued; else keep a copy."""
    data, content_type = admission.fetch(inp.url, field="url", limit=inp.limit)
    if len(data) > 16:
        raise InvalidInput(f"url: file is {len(data)} bytes; this app takes at most 16", field="url",
                           value=inp.url)
    return FetchInput(url=admission.keep(data, file_name="kept.bin", content_type=content_type),
                      limit=inp.limit)


APPS = [
    App(id="test/echo", title="Echo", input=EchoInput, output=EchoOutput, load=_echo,
        aliases=("test/echo-alias",)),
    App(id="test/sleep", title="Sleep", input=SleepInput, output=SleepOutput, load=_sleep),
    App(id="test/fetch", title="Fetch", input=FetchInput, output=FetchOutput, load=_fetch),
    App(id="test/stream", title="Stream", input=StreamInput, output=StreamOutput, load=_stream),
    App(id="test/noop", title="No-op", input=NoopInput, output=NoopOutput, load=_noop),
    App(id="test/copy", title="Copy an input file to an output file", input=CopyInput, output=CopyOutput,
        load=_copy),
    App(id="test/admit", title="Checked at submit", input=FetchInput, output=FetchOutput, load=_fetch,
        admit=_admit_fetch),
    App(id="test/single", title="One at a time", input=SleepInput, output=SleepOutput, load=_sleep,
        max_concurrency=1),
]
