"""`soundstage models fetch` and `soundstage voices` through argparse, as cli.py wires them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from soundstage.speech.assets import KokoroAssets
from soundstage.speech.commands import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="soundstage")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_voices_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["voices", "--json", "--presets", "--data-dir", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 21 and rows[-1]["id"] == "stokie_en"


def test_models_fetch_is_idempotent(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    kokoro_assets: KokoroAssets) -> None:
    (tmp_path / "models").symlink_to(kokoro_assets.model.parent.parent, target_is_directory=True)
    assert run(["models", "fetch", "--data-dir", str(tmp_path)]) == 0
    assert "already cached" in capsys.readouterr().out


def test_data_dir_defaults_to_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOUNDSTAGE_DATA_DIR", str(tmp_path))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["voices"]).data_dir == tmp_path
