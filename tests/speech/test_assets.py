"""Asset fetch through the real registry route (cached per machine), idempotence, local source, checks."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pytest

from soundstage.errors import AssetError
from soundstage.speech.assets import (
    MODEL_SHA256,
    VOICE_COUNT,
    AssetSource,
    KokoroAssets,
    check_digest,
    fetch_kokoro_assets,
    find_kokoro_assets,
)
from soundstage.speech.voices import KOKORO_VOICES

STYLE_ROWS, STYLE_DIM = 510, 256  # each voice pack is float32 [510, 1, 256]


def test_fetched_model_matches_pinned_digest(kokoro_assets: KokoroAssets) -> None:
    digest = hashlib.sha256(kokoro_assets.model.read_bytes()).hexdigest()
    assert digest == MODEL_SHA256
    marker = json.loads((kokoro_assets.model.parent / "verified.json").read_text())
    assert marker["model_sha256"] == MODEL_SHA256 and marker["source"] == "registry"


def test_all_54_voice_packs_are_style_tables(kokoro_assets: KokoroAssets) -> None:
    assert kokoro_assets.voice_names() == tuple(sorted(KOKORO_VOICES))
    assert len(kokoro_assets.voice_names()) == VOICE_COUNT
    for name in ("af_heart", "zf_xiaoxiao", "jf_alpha"):
        pack = np.fromfile(kokoro_assets.voices_dir / f"{name}.bin", dtype=np.float32)
        assert pack.size == STYLE_ROWS * STYLE_DIM and np.isfinite(pack).all()


def test_fetch_is_idempotent_and_offline_once_cached(models_dir: Path, kokoro_assets: KokoroAssets) -> None:
    started = time.monotonic()
    again = fetch_kokoro_assets(models_dir)  # a network fetch takes seconds; the cached path milliseconds
    assert again == kokoro_assets
    assert time.monotonic() - started < 0.5


def test_local_directory_source(tmp_path: Path, kokoro_assets: KokoroAssets) -> None:
    src = tmp_path / "src"
    (src / "voices").mkdir(parents=True)
    (src / "kokoro-v1.0.int8.onnx").symlink_to(kokoro_assets.model)
    for name in kokoro_assets.voice_names():
        (src / "voices" / f"{name}.bin").symlink_to(kokoro_assets.voices_dir / f"{name}.bin")
    assets = fetch_kokoro_assets(tmp_path / "models", AssetSource.LOCAL, str(src))
    assert assets.model.stat().st_size == kokoro_assets.model.stat().st_size
    assert find_kokoro_assets(tmp_path / "models") == assets


def test_incomplete_local_source_is_an_asset_error_and_leaves_no_cache(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(AssetError, match="voice packs"):
        fetch_kokoro_assets(tmp_path / "models", AssetSource.LOCAL, str(tmp_path / "src"))
    assert find_kokoro_assets(tmp_path / "models") is None


def test_checksum_mismatch_names_both_digests() -> None:
    with pytest.raises(AssetError, match="abc.*does not match.*def"):
        check_digest("abc", "def", "part")
