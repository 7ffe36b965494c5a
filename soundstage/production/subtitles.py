"""Subtitles from word timings: one cue per line, split so that no cue runs over 7 s or 14 words."""

from __future__ import annotations

from collections.abc import Sequence

from soundstage.production.produce import Word

__all__ = ["cues", "srt", "vtt"]

MAX_CUE_SECONDS = 7.0  # broadcast subtitle guidelines keep a cue on screen at most about 7 s
MAX_CUE_WORDS = 14


def cues(words: Sequence[Word]) -> list[tuple[float, float, str]]:
    """(start, end, text); the speaker's name leads each cue when more than one speaks."""
    named = len({w.speaker for w in words}) > 1
    out: list[tuple[float, float, str]] = []
    group: list[Word] = []
    for word in words:
        if group and (word.speaker != group[0].speaker or len(group) >= MAX_CUE_WORDS
                      or word.end - group[0].start > MAX_CUE_SECONDS):
            out.append(_cue(group, named))
            group = []
        group.append(word)
    if group:
        out.append(_cue(group, named))
    return out


def _cue(group: Sequence[Word], named: bool) -> tuple[float, float, str]:
    joiner = "" if all(not w.word.isascii() for w in group) else " "
    text = joiner.join(w.word for w in group)
    return group[0].start, group[-1].end, f"{group[0].speaker}: {text}" if named else text


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt(words: Sequence[Word]) -> str:
    blocks = [f"{i}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{text}\n"
              for i, (a, b, text) in enumerate(cues(words), 1)]
    return "\n".join(blocks)


def vtt(words: Sequence[Word]) -> str:
    blocks = [f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{text}\n" for a, b, text in cues(words)]
    return "WEBVTT\n\n" + "\n".join(blocks)
