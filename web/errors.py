"""Service errors become JSON with a Japanese and an English message; nothing else leaks."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from station import messages
from station.services.errors import ServiceError

# What a 422 really looks like here (the handler below, and Invalid from the services): the schema
# FastAPI documents by default (`detail` as a list) would be a lie that clients and schemathesis catch.
VALIDATION_ERROR_SCHEMA = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {
        "type": "object",
        "required": ["message_ja", "message_en"],
        "properties": {
            "message_ja": {"type": "string"},
            "message_en": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"}}}},
        },
        "additionalProperties": True,
    }},
}


def install(app: FastAPI) -> None:
    default_openapi = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schemas = default_openapi().get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(ServiceError)
    async def _service_error(_req: Request, exc: ServiceError) -> JSONResponse:
        body = {"message_ja": exc.message_ja, "message_en": exc.message_en, **exc.extra}
        # A refusal that says how long to wait says it to HTTP clients too (login and ticket 429s).
        retry = exc.extra.get("retry_after_s")
        headers = {"Retry-After": str(max(1, int(retry)))} if isinstance(retry, (int, float)) else None
        return JSONResponse({"detail": body}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        )
        ja, en = messages.both("common.invalid_input", problems=problems)
        if not _req.url.path.startswith("/api/"):  # a page answers a page, not JSON (/reports?date=bad)
            return HTMLResponse(
                f'<!doctype html><html lang="ja"><meta charset="utf-8"><title>422</title>'
                f'<link rel="stylesheet" href="/static/css/base.css"><main><h1>{escape(ja)}</h1>'
                f'<p lang="en">{escape(en)}</p><p><a href="{escape(_req.url.path)}">もう一度 / try again</a>'
                f' ・ <a href="/">トップへ / start page</a></p></main></html>', status_code=422)
        body = {"message_ja": ja, "message_en": en,
                "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]}
        return JSONResponse({"detail": body}, status_code=422)
