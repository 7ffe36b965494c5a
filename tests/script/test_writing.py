"""Which writer a worker gets (``services.build_writer``), and the fall-back to the offline director with the
reason in the job log when the embedded model cannot load (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soundstage.apps.seed_audio.prompting import build_script, reference_roles
from soundstage.apps.seed_audio.schema import SeedAudioInput
from soundstage.errors import ConfigError
from soundstage.script.embedded import EmbeddedConfig, EmbeddedWriter
from soundstage.script.model import Mode
from soundstage.script.writing import DirectorWriter, EndpointWriter
from soundstage.services import build_writer
from soundstage.settings import Settings

URL = "http://127.0.0.1:9/v1"


def test_auto_prefers_a_configured_endpoint_else_the_embedded_model(tmp_path: Path) -> None:
    endpoint = build_writer(Settings(data_dir=tmp_path, writer_url=URL, writer_model="m", writer_key="k"))
    assert (isinstance(endpoint, EndpointWriter) and endpoint.config.model == "m"
            and endpoint.config.key == "k")
    embedded = build_writer(Settings(data_dir=tmp_path, writer_threads=3))
    assert isinstance(embedded, EmbeddedWriter) and not embedded.loaded  # loaded on its first instruction
    assert embedded.config == EmbeddedConfig(tmp_path / "models", None, 3)
    local = build_writer(Settings(data_dir=tmp_path, writer="embedded", writer_url=URL,
                                  writer_model_path="m.gguf"))
    assert isinstance(local, EmbeddedWriter) and local.config.model_path == Path("m.gguf")
    assert isinstance(build_writer(Settings(data_dir=tmp_path, writer="off", writer_url=URL)), DirectorWriter)


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"SOUNDSTAGE_WRITER": "endpoint", "SOUNDSTAGE_WRITER_URL": URL,
                                  "SOUNDSTAGE_WRITER_THREADS": "2"}, data_dir=tmp_path)
    assert ((settings.writer, settings.writer_url, settings.writer_threads, settings.extra)
            == ("endpoint", URL, 2, {}))
    assert isinstance(build_writer(settings), EndpointWriter)


def test_bad_choices_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SOUNDSTAGE_WRITER must be one of auto, embedded, endpoint, off"):
        build_writer(Settings(data_dir=tmp_path, writer="gpt"))
    with pytest.raises(ConfigError, match="needs SOUNDSTAGE_WRITER_URL"):
        build_writer(Settings(data_dir=tmp_path, writer="endpoint"))


def test_an_embedded_model_that_cannot_load_falls_back_to_the_director_saying_why(tmp_path: Path) -> None:
    writer = EmbeddedWriter(EmbeddedConfig(tmp_path, tmp_path / "missing.gguf"))
    prompt = "Generate a short suspense radio drama in a late-night convenience store"
    logged: list[tuple[str, str]] = []
    script = build_script(SeedAudioInput(prompt=prompt), reference_roles(prompt, 0), writer, None,
                          lambda m, level: logged.append((m, level)))
    assert (script.mode is Mode.INSTRUCTION and script.lines == ()
            and script.setting == "late-night convenience store")
    assert ("writing the script: the embedded writer (missing.gguf, 1 thread(s))", "INFO") in logged
    warning = (f"the embedded writer's model {tmp_path / 'missing.gguf'} does not exist; using the offline"
               " director instead")
    assert (warning, "WARN") in logged
    assert script.notes[-1].startswith("the writer failed: the embedded writer's model")
