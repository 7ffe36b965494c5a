"""``soundstage/speech``: plain text to speech, streamed as it is made; the speech side's routes
(``/voices``, the OpenAI-compatible ``/v1/audio/speech``, ``/v1/models``, ``/v1/audio/voices``)."""
