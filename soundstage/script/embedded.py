"""The embedded writer: a small instruction model run in the worker by llama.cpp (``xllamacpp``).

The default model is Qwen2.5-Coder-1.5B-Instruct Q4_K_M (``soundstage.script.writer_assets``), fetched on
first need and loaded once per worker process, then kept warm. Its answer is constrained to the writer's
JSON schema by a grammar (llguidance, no optional whitespace: a compact answer is ~30% fewer tokens), so
it is always valid JSON of the right shape. A draft that fails the brief's checks (too few lines, a
repeated line, a line copying the instruction, the wrong language) is written once more with the next seed;
a second failure raises ``AppFailed`` and the caller falls back to the offline director.

Generation runs on ``threads`` CPU threads (one by default, so that a busy 2-core machine still has a core
for speech) and stops within a token of the job being cancelled. Once the model is loaded it also judges
prompts the intent heuristic is unsure of (it is never loaded for that alone).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from soundstage.errors import AppFailed, AssetError, Cancelled
from soundstage.script.brief import Brief, problems
from soundstage.script.intent import Decision, Judge
from soundstage.script.judge import JUDGE_CONFIDENCE, Verdict
from soundstage.script.judge import SYSTEM as JUDGE_SYSTEM
from soundstage.script.model import Line, Mode, Script
from soundstage.script.writer import SYSTEM, TEMPERATURE, WrittenScript, parse_written, to_script
from soundstage.script.writer_assets import MODEL_NAME, ensure_writer_assets
from soundstage.script.writing import CancelCheck, Log, finish

__all__ = ["EmbeddedConfig", "EmbeddedWriter", "Generation", "script_schema"]

CONTEXT_TOKENS = 4096  # system prompt (~500) + brief (~150) + the longest answer (MAX_LINES lines)
# Lengths the grammar allows, in characters: bounds on every string keep the longest possible answer
# within the token budget, so an answer is never cut off (a tiny model otherwise writes until it is).
TEXT_CHARS = {"zh": 60, "ja": 60}  # a line of one or two sentences; Latin-script languages: LINE_CHARS
LINE_CHARS = 200
SHORT_CHARS = {"title": 60, "setting": 80, "ambience": 120, "music": 60, "name": 24, "direction": 30,
               "description": 80, "reason": 80}
TOKENS_PER_ITEM = 80  # the longest line item: LINE_CHARS of text (~50 tokens), its keys and direction
HEADER_TOKENS = 200  # title, setting, ambience, music and up to three speakers, at their longest
VERDICT_TOKENS = 60
EXTRA_ITEMS = 6  # cues and pauses beyond the lines
ATTEMPTS = 2  # a rejected draft is written once more, with the next seed
PROGRESS_TOKENS = 100  # log a line every this many tokens while writing
COMPACT = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":"}
# DRY ("don't repeat yourself") sampling: a token that would extend a sequence already in the context is
# penalised. Its default breakers include '"' and ':', so JSON keys and speaker names repeat freely while a
# line's words do not. Measured on three instructions whose drafts looped (seed 11): all three loops gone.
DRY = {"dry_multiplier": 0.8, "dry_base": 1.75, "dry_allowed_length": 2, "dry_penalty_last_n": CONTEXT_TOKENS}
NOTE = "script written by the embedded writer model ({model})"



@dataclass(frozen=True)
class EmbeddedConfig:
    models_dir: Path
    """``<data_dir>/models``: the registry weights are cached in ``writer/`` below it."""
    model_path: Path | None = None
    """A local GGUF model to use instead of the registry's (a stronger model, or a tiny test fixture)."""
    threads: int = 1


@dataclass(frozen=True)
class Generation:
    """One answer, with the figures the bench reports."""

    content: str
    prompt_tokens: int  # evaluated for this answer (a cached system prompt is not)
    tokens: int
    seconds: float  # wall time of the whole request

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


def _grammar(schema: dict[str, Any]) -> str:
    import xllamacpp

    return str(xllamacpp.json_schema_to_grammar({**schema, "x-guidance": COMPACT}))


def script_schema(brief: Brief) -> dict[str, Any]:
    """The writer's schema, strict, with as many items as the brief's lines (and a few cues and pauses):
    a small model otherwise stops after three or four lines."""
    schema = _bounded(_strict(WrittenScript.model_json_schema()), TEXT_CHARS.get(brief.language, LINE_CHARS))
    least, most = brief.lines
    items = {**schema["properties"]["items"], "minItems": least + 1, "maxItems": most + EXTRA_ITEMS}
    speakers = {**schema["properties"]["speakers"], "minItems": brief.speakers[0],
                "maxItems": brief.speakers[1]}
    return {**schema, "properties": {**schema["properties"], "items": items, "speakers": speakers}}


def _bounded(schema: Any, text_chars: int, name: str = "") -> Any:
    """Every string property's ``maxLength`` lowered to what a short script needs; no other keys."""
    if isinstance(schema, list):
        return [_bounded(v, text_chars, name) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _bounded(v, text_chars, k if k not in ("anyOf", "properties") else name)
           for k, v in schema.items()}
    if "maxLength" in out:
        out["maxLength"] = min(out["maxLength"], text_chars if name == "text" else SHORT_CHARS.get(name, 40))
    if isinstance(out.get("properties"), dict):
        out["additionalProperties"] = False  # JSON Schema allows any other key, of any length, by default
    return out


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """Every property required (a small model skips optional ones it should write), recursively."""
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _strict(v) for k, v in out["properties"].items()}
        out["required"] = [k for k in out["properties"] if k != "direction"]
    for key in ("$defs",):
        if key in out:
            out[key] = {k: _strict(v) for k, v in out[key].items()}
    return out


class _Model:
    """A loaded GGUF model behind llama.cpp's in-process server (one slot; callers hold the writer's lock)."""

    def __init__(self, path: Path, threads: int) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = CONTEXT_TOKENS
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.api_keys = [secrets.token_urlsafe(24)]  # it also listens on loopback: no one else may use it
        params.verbosity = 0
        self._server = xllamacpp.Server(params)
        self.verdict_grammar = _grammar(_bounded(Verdict.model_json_schema(), 0))

    def chat(self, system: str, user: str, grammar: str, seed: int, max_tokens: int, temperature: float,
             cancelled: CancelCheck, on_tokens: Callable[[int], None]) -> Generation:
        request = {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
                   "grammar": grammar, "seed": seed, "temperature": temperature, "max_tokens": max_tokens,
                   "stream": True, "stream_options": {"include_usage": True}, **DRY}
        parts: list[str] = []
        final: dict[str, Any] = {}

        def on_chunk(chunk: dict[str, Any]) -> bool:
            final.update(chunk if "usage" in chunk else {})
            for choice in chunk.get("choices", []):
                if choice.get("delta", {}).get("content"):
                    parts.append(choice["delta"]["content"])
                    on_tokens(len(parts))
            return cancelled()  # True stops generation at once

        started = time.monotonic()
        error = self._server.handle_chat_completions(request, on_chunk)
        if cancelled():
            raise Cancelled()
        if isinstance(error, dict) and "error" in error:
            raise AppFailed(f"the embedded writer failed: {error['error']}")
        usage, timings = final.get("usage", {}), final.get("timings", {})
        return Generation("".join(parts), int(timings.get("prompt_n", usage.get("prompt_tokens", 0))),
                          int(usage.get("completion_tokens", len(parts))), time.monotonic() - started)


class EmbeddedWriter:
    """Satisfies ``soundstage.script.writing.Writer``; one per worker process (``services.Engines``)."""

    def __init__(self, config: EmbeddedConfig, cancelled: CancelCheck | None = None) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._model: _Model | None = None
        self.last: Generation | None = None
        """The last answer's figures (for the bench and the job log)."""

    def describe(self) -> str:
        return f"the embedded writer ({self._model_name()}, {self.config.threads} thread(s))"

    def _model_name(self) -> str:
        return self.config.model_path.name if self.config.model_path else MODEL_NAME

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self, log: Log | None = None) -> None:
        """Fetch (first use only) and load the model; ``AppFailed`` saying why it cannot."""
        with self._lock:
            self._load(log or _quiet)

    def _load(self, log: Log) -> _Model:
        if self._model is not None:
            return self._model
        path = self.config.model_path or self._fetch(log)
        if not path.is_file():
            raise AppFailed(f"the embedded writer's model {path} does not exist")
        started = time.monotonic()
        try:
            self._model = _Model(path, self.config.threads)
        except ImportError as e:
            raise AppFailed("the embedded writer needs the xllamacpp package (pip install xllamacpp)") from e
        except Exception as e:  # llama.cpp reports a bad model file as a bare RuntimeError or ValueError
            raise AppFailed(f"the embedded writer could not load {path}: {type(e).__name__}: {e}") from e
        log(f"writer model loaded in {time.monotonic() - started:.1f} s ({self._model_name()})", "INFO")
        return self._model

    def _fetch(self, log: Log) -> Path:
        step = {"part": ""}

        def progress(label: str, done: int, total: int) -> None:
            if label != step["part"]:
                step["part"] = label
                log(f"fetching the writer model on first use: {label} ({total / (1 << 20):.0f} MiB)", "INFO")

        try:
            return ensure_writer_assets(self.config.models_dir, progress).model
        except AssetError as e:
            raise AppFailed(f"the embedded writer's model could not be fetched: {e}") from e

    def write(self, brief: Brief, seed: int, log: Log, cancelled: CancelCheck | None = None) -> Script:
        found: list[str] = []
        for attempt in range(ATTEMPTS):
            answer = self.draft(brief, seed + attempt, log, cancelled)
            try:
                written = parse_written(answer.content)
            except AppFailed as e:  # cut off at the token budget: the grammar keeps it valid until then
                found = [f"the answer is not complete JSON after {answer.tokens} tokens ({e})"]
            else:
                script = finish(to_script(written, NOTE.format(model=self._model_name())), brief)
                found = problems(script, brief)
            if not found:
                return script
            log(f"the writer's draft was rejected ({'; '.join(found[:3])})"
                + ("; writing it again with the next seed" if attempt + 1 < ATTEMPTS else ""), "WARN")
        cut = _before_loop(script) if all(" repeats line " in f for f in found) else None
        if cut is not None and not problems(cut, brief):
            log(f"the second draft loops: using its {len(cut.lines)} lines before the first repeat", "WARN")
            return cut
        raise AppFailed(f"the embedded writer's drafts were rejected: {'; '.join(found[:3])}")

    def draft(self, brief: Brief, seed: int, log: Log | None = None,
              cancelled: CancelCheck | None = None) -> Generation:
        """One answer to the brief, unchecked: JSON of the writer's schema (the grammar sees to that)."""
        log = log or _quiet

        def on_tokens(n: int) -> None:
            if n % PROGRESS_TOKENS == 0:
                log(f"writing: {n} tokens", "INFO")

        budget = HEADER_TOKENS + TOKENS_PER_ITEM * (brief.lines[1] + EXTRA_ITEMS)
        with self._lock:
            model = self._load(log)
            answer = model.chat(SYSTEM, brief.message(), _grammar(script_schema(brief)), seed, budget,
                                TEMPERATURE, cancelled or _never, on_tokens)
        self.last = answer
        log(f"written: {answer.tokens} tokens in {answer.seconds:.1f} s ({answer.tokens_per_second:.1f}"
            f" tokens/s, prompt {answer.prompt_tokens} tokens)", "INFO")
        return answer

    def judge(self) -> Judge | None:
        return _EmbeddedJudge(self) if self.loaded else None

    def verdict(self, prompt: str) -> Decision:
        with self._lock:
            model = self._load(_quiet)
            answer = model.chat(JUDGE_SYSTEM, prompt, model.verdict_grammar, 0, VERDICT_TOKENS, 0.0, _never,
                                lambda n: None)
        try:
            verdict = Verdict.model_validate(json.loads(answer.content))
        except ValueError as e:
            raise AppFailed(f"the embedded writer's verdict could not be used: {e}") from e
        mode = Mode.INSTRUCTION if verdict.instruction else Mode.TEXT
        return Decision(mode, verdict.reason.strip() or "no reason given", JUDGE_CONFIDENCE)


def _before_loop(script: Script) -> Script:
    """The script up to its first repeated line: a small model that loops repeats its lines in order."""
    seen: set[str] = set()
    for n, item in enumerate(script.items):
        if isinstance(item, Line):
            key = " ".join(item.text.lower().split())
            if key in seen:
                kept = script.items[:n]
                spoken = {i.speaker for i in kept if isinstance(i, Line)}
                return replace(script, items=kept,
                               speakers=tuple(s for s in script.speakers if s.name in spoken))
            seen.add(key)
    return script


@dataclass(frozen=True)
class _EmbeddedJudge:
    writer: EmbeddedWriter

    def __call__(self, prompt: str) -> Decision:
        return self.writer.verdict(prompt)


def _quiet(message: str, level: str) -> None:
    del message, level


def _never() -> bool:
    return False
