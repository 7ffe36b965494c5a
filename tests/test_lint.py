"""ruff and mypy stay clean (issue 9), run by the test command so CI sees them.

The versions are pinned in the ``dev`` extra and the rule set in pyproject (ruff's defaults of that
version plus E501 at 110 characters), so a new release cannot change what passes without a commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def test_ruff_is_clean_with_lines_of_at_most_110_characters() -> None:
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    done = _run("mypy", "soundstage")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
