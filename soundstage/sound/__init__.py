"""soundstage.sound: procedural generators, optional recorded samples, music beds, the cue lexicon and
scene planning. Entry points (each builds its own objects; nothing here is a module-level service):

- ``registry.build_registry(voices=None, packs=None)`` -> ``SoundRegistry``; ``.render(name, SoundParams)``
- ``lexicon.build_lexicon(registry).resolve(text)`` -> ``Resolution`` (cues, unresolved)
- ``music.music_bed(MusicParams(mood, duration, tempo, seed))`` -> ``MusicBed``
- ``scene.build_scene(resolution, duration, registry, ...)`` -> ``ScenePlan`` (Timeline + sources)

See docs/sound.md.
"""
