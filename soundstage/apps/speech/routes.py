"""The routes the speech side adds to the API (``App.routes``): voices and the OpenAI-compatible API."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from soundstage.apps.speech import openai_routes, voice_routes

__all__ = ["routes"]


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/voices", voice_routes.list_voices),
        Route("/voices/{voice_id}/preview", voice_routes.voice_preview),
        Route("/v1/audio/speech", openai_routes.speech, methods=["POST"]),
        Route("/v1/audio/voices", openai_routes.list_voices),
        Route("/v1/models", openai_routes.list_models),
        Route("/v1/models/{model:path}", openai_routes.model),
    )
