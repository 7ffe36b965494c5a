"""The prompt's parts on the video's timeline: what should be heard when.

A prompt may give time ranges (``0-3s: rainy street; 3-8s: inside a bar``, also ``0:02-0:05``, ``3s-end``,
``3-8秒：``) or shots by number (``shot 2: a kitchen``, counted from 1 as the analysis found them). A range
boundary within ``SNAP`` of a detected cut moves onto the cut: "0-3s" written for a cut at 3.2 s means
the cut. Text outside any range applies wherever no range does. Without ranges the whole prompt applies
to the whole video.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from soundstage.errors import InvalidInput
from soundstage.video.analysis import Analysis

__all__ = ["SNAP", "Section", "sections"]

SNAP = 0.75  # s: a written boundary this near a cut is the cut
_TIME = r"(?:\d+:)?\d+(?:\.\d+)?"
_HEADER = re.compile(
    rf"(?:(?P<a>{_TIME})\s*(?:s|sec|secs|seconds|秒)?\s*(?:-|–|—|to|~|～|到)\s*(?P<b>{_TIME}|end)\s*"
    r"(?:s|sec|secs|seconds|秒)?|shot\s*(?P<shot>\d+)|镜头\s*(?P<cn>\d+))\s*[:：]", re.IGNORECASE)


@dataclass(frozen=True)
class Section:
    start: float  # s
    end: float
    text: str
    timed: bool  # the user placed it (a range or a shot), so it is honoured even where nothing moves


def _seconds(value: str) -> float:
    if ":" in value:
        minutes, seconds = value.split(":", 1)
        return 60 * int(minutes) + float(seconds)
    return float(value)


def _snap(t: float, cuts: Sequence[float]) -> float:
    near = [c for c in cuts if abs(c - t) <= SNAP]
    return min(near, key=lambda c: abs(c - t)) if near else t


def _clean(text: str) -> str:
    return text.strip().strip(";,.；，。").strip()


def _range(match: re.Match[str], analysis: Analysis) -> tuple[float, float]:
    shot = match.group("shot") or match.group("cn")
    if shot is not None:
        n = int(shot)
        if not 1 <= n <= len(analysis.shots):
            raise InvalidInput(f"prompt: {match.group(0).strip()} names shot {n}, but the video has "
                               f"{len(analysis.shots)} shot(s)", field="prompt", value=match.group(0))
        s = analysis.shots[n - 1]
        return s.start, s.end
    start = _seconds(match.group("a"))
    end = analysis.duration if match.group("b").lower() == "end" else _seconds(match.group("b"))
    if end <= start:
        raise InvalidInput(f"prompt: the range {match.group(0).strip()} ends before it starts",
                           field="prompt", value=match.group(0))
    return _snap(start, analysis.cuts), min(_snap(end, analysis.cuts), analysis.duration)


def _gaps(spans: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    out, t = [], 0.0
    for start, end in sorted(spans):
        if start > t + 1e-6:
            out.append((t, start))
        t = max(t, end)
    if t < duration - 1e-6:
        out.append((t, duration))
    return out


def sections(prompt: str, analysis: Analysis) -> tuple[Section, ...]:
    """The prompt's parts in time order; a video with an empty prompt has none."""
    headers = list(_HEADER.finditer(prompt))
    if not headers:
        text = _clean(prompt)
        return (Section(0.0, analysis.duration, text, timed=False),) if text else ()
    timed: list[Section] = []
    loose = [prompt[: headers[0].start()]]
    for i, match in enumerate(headers):
        body = prompt[match.end(): headers[i + 1].start() if i + 1 < len(headers) else len(prompt)]
        start, end = _range(match, analysis)
        if start < analysis.duration and _clean(body):
            timed.append(Section(start, end, _clean(body), timed=True))
    rest = _clean(" ".join(loose))
    fill = [Section(a, b, rest, timed=False)
            for a, b in _gaps([(s.start, s.end) for s in timed], analysis.duration)]
    return tuple(sorted([*timed, *(fill if rest else [])], key=lambda s: (s.start, s.end)))
