"""Sentence splitting of text, and splitting of phoneme strings to fit Kokoro's 510-phoneme window.

Sentences are the unit of streaming (one chunk each). A sentence whose phonemes exceed the window is
cut at the last clause punctuation that fits, else at the last word boundary, else hard.
"""

from __future__ import annotations

import re

from soundstage.speech.frontend.phonemes import Phonemes

__all__ = ["MAX_PHONEMES", "split_phonemes", "split_sentences"]

# Kokoro's context is 512 tokens including a pad at each end; its style packs have 510 rows
MAX_PHONEMES = 510

# Abbreviations whose period does not end a sentence (en, es, pt, id).
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "no", "fig", "approx",
     "dept", "est", "inc", "ltd", "co", "mt", "ave", "sra", "srta", "dra", "ud", "uds", "av", "pág", "núm",
     "dto", "sto", "sta", "exmo", "exma", "jl", "sdr", "bpk", "ibu", "dll", "dsb"]
)
_END = re.compile(r"([.!?…]+[\"'”’)\]]*|[。！？]+[」』”）]*)(\s+|$)|([。！？]+[」』”）]*)")
_CLAUSE = re.compile(r"[,;:，；：、—]")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: at . ! ? … and their CJK forms, not after abbreviations or inside numbers."""
    sentences, start = [], 0
    for m in _END.finditer(text):
        end = m.end()
        candidate = text[start:m.start() + len(m.group(1) or m.group(3) or "")]
        if _is_abbreviation(candidate):
            continue
        if candidate.strip():
            sentences.append(candidate.strip())
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_abbreviation(candidate: str) -> bool:
    if not candidate.endswith("."):
        return False
    last = candidate.split()[-1].rstrip(".").lower() if candidate.split() else ""
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def split_phonemes(phonemes: Phonemes, limit: int = MAX_PHONEMES) -> list[Phonemes]:
    """Pieces of at most ``limit`` phonemes, cut after clause punctuation or at spaces when needed."""
    pieces, rest = [], phonemes
    while len(rest) > limit:
        cut = _cut_point(rest.text, limit)
        pieces.append(rest.slice(0, cut))
        rest = rest.slice(cut, len(rest))
        lead = len(rest.text) - len(rest.text.lstrip())
        rest = rest.slice(lead, len(rest))
    if len(rest.text.strip()):
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    clauses = [m.end() for m in _CLAUSE.finditer(window)]
    if clauses and clauses[-1] > limit // 3:
        return clauses[-1]
    space = window.rfind(" ")
    return space if space > limit // 3 else limit
