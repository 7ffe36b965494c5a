"""Pictures for the Seedance-style video apps: plans, renderers, encoding and probing.

- ``plan``: ``PicturePlan`` and its parts, the plain data a renderer draws from.
- ``visemes``: phoneme timings -> OVR visemes, mouth openness, the exported lip-sync document.
- ``renderer``: the ``VideoRenderer`` seam and its registry (``build_renderer``).
- ``animatic``: the offline default renderer, a storyboard in motion, drawn by ``board`` (the panel,
  once per shot), ``camera`` (moves as crop boxes), ``overlay`` (mouths, captions, slate per frame)
  and ``fonts`` (faces, CJK fallback, wrapping).
- ``encode``: frames -> H.264 MP4; ``mux`` adds an AAC track exactly as long as the picture.
- ``probe``: measure an MP4 by decoding it, refusing hostile or oversized files.
"""
