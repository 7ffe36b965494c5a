"""Describing the server: apps and their schemas, an OpenAPI document per app, JWKS, tokens, health."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from soundstage import __version__
from soundstage.api.edge import base_url, owner, read_json, services
from soundstage.apps.base import App

__all__ = ["app_openapi", "health", "jwks", "list_apps", "mint_token"]

MAX_TOKEN_SECONDS = 3600


def _app_json(app: App) -> dict[str, Any]:
    return {"id": app.id, "aliases": list(app.aliases), "title": app.title, "description": app.description,
            "input_schema": app.input.model_json_schema(), "output_schema": app.output.model_json_schema()}


async def list_apps(request: Request) -> Response:
    return JSONResponse({"apps": [_app_json(app) for app in services(request).registry]})


def openapi_document(app: App, server: str) -> dict[str, Any]:
    """The queue API of one app, in the shape of fal's per-model OpenAPI documents."""
    schemas = {app.input.__name__: app.input.model_json_schema(ref_template="#/components/schemas/{model}"),
               app.output.__name__: app.output.model_json_schema(ref_template="#/components/schemas/{model}")}
    for schema in list(schemas.values()):
        schemas.update(schema.pop("$defs", {}))
    ref = {"$ref": f"#/components/schemas/{app.input.__name__}"}
    out = {"$ref": f"#/components/schemas/{app.output.__name__}"}
    status = {"type": "object", "required": ["status", "request_id"],
              "properties": {"status": {"enum": ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]},
                             "request_id": {"type": "string"}, "queue_position": {"type": "integer"},
                             "logs": {"type": ["array", "null"]}}}
    rid = [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.4",
        "info": {"title": app.title, "version": __version__, "description": app.description,
                 "x-fal-metadata": {"endpointId": app.id}},
        "servers": [{"url": f"{server}/queue"}],
        "security": [{"apiKeyAuth": []}],
        "components": {"securitySchemes": {"apiKeyAuth": {"type": "apiKey", "in": "header",
                                                          "name": "Authorization",
                                                          "description": "Key <your key>"}},
                       "schemas": {**schemas, "QueueStatus": status}},
        "paths": {
            f"/{app.id}": {"post": {"requestBody": {"required": True,
                                                    "content": {"application/json": {"schema": ref}}},
                                    "responses": {"200": {"description": "Queued", "content": {
                                        "application/json": {
                                            "schema": {"$ref": "#/components/schemas/QueueStatus"}}}},
                                                  "422": {"description": "Invalid input"}}}},
            f"/{app.id}/requests/{{request_id}}/status": {"get": {"parameters": rid, "responses": {
                "200": {"description": "Done"}, "202": {"description": "Queued or running"}}}},
            f"/{app.id}/requests/{{request_id}}": {"get": {"parameters": rid, "responses": {
                "200": {"description": "Result", "content": {"application/json": {"schema": out}}}}}},
            f"/{app.id}/requests/{{request_id}}/cancel": {"put": {"parameters": rid, "responses": {
                "202": {"description": "Cancellation requested"},
                "400": {"description": "Already completed"}}}},
        },
    }


async def app_openapi(request: Request) -> Response:
    app = services(request).registry.resolve(request.path_params["app_id"])
    return JSONResponse(openapi_document(app, base_url(request)))


async def jwks(request: Request) -> Response:
    return JSONResponse(services(request).signer.jwks(), headers={"Cache-Control": "public, max-age=3600"})


async def mint_token(request: Request) -> Response:
    """``POST /rest/tokens/``: a short-lived token for client-mode streams;
    the reply is a bare JSON string."""
    body = await read_json(request)
    ttl = min(int(body.get("token_expiration") or 120), MAX_TOKEN_SECONDS)
    apps = body.get("allowed_apps") or []
    return JSONResponse(services(request).signer.token({"sub": owner(request), "apps": apps}, ttl))


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})
