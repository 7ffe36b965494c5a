"""SOUNDSTAGE_FILES_URL: which port this process serves files on, and the set-ups refused (issue 17)."""

from __future__ import annotations

import pytest

from soundstage.cli import main
from soundstage.settings import Settings


@pytest.mark.parametrize(("settings", "port"), [
    (Settings(), 0),
    (Settings(files_url="http://127.0.0.1:8001"), 8001),
    (Settings(files_url="http://localhost:8001/"), 8001),
    (Settings(host="10.1.2.3", files_url="http://10.1.2.3:9000"), 9000),
    (Settings(files_url="https://files.example.com"), 0),  # a proxy or another host serves them
    (Settings(host="0.0.0.0", files_url="https://files.example.com", files_port=8001), 8001),
])
def test_files_listen_port(settings: Settings, port: int) -> None:
    assert settings.files_listen_port == port


def test_the_setting_comes_from_the_environment() -> None:
    settings = Settings.from_env({"SOUNDSTAGE_FILES_URL": "http://127.0.0.1:8001",
                                  "SOUNDSTAGE_FILES_PORT": "8001"})
    assert (settings.files_url, settings.files_port) == ("http://127.0.0.1:8001", 8001)
    assert Settings.from_env(settings.to_env()) == settings


@pytest.mark.parametrize("argv", [
    ["--files-url", "http://127.0.0.1:8000"],  # the API's own port
    ["--public-url", "https://api.example.com", "--files-url", "https://api.example.com/files"],
])
def test_files_on_the_api_origin_are_refused(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SOUNDSTAGE_FILES_PORT", raising=False)
    assert main(["serve", "--port", "8000", *argv]) == 2
    assert "is the API's own origin" in capsys.readouterr().err


def test_a_files_port_needs_a_files_url(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUNDSTAGE_FILES_PORT", "8001")
    monkeypatch.delenv("SOUNDSTAGE_FILES_URL", raising=False)
    assert main(["serve", "--port", "8000"]) == 2
    assert "SOUNDSTAGE_FILES_PORT needs SOUNDSTAGE_FILES_URL" in capsys.readouterr().err
