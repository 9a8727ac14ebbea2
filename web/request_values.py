"""The values a route will really receive, for checks that must run before the route (issue 13, High 1).

Why: the access check (web/security.py) runs as a dependency before FastAPI validates the route's own
parameters. It used to read the raw path string and `int()` it: `int("2.0")` fails, the check was skipped,
and FastAPI then read `2.0` as counter 2 — a clerk of counter 1 acted on counter 2. Here the raw path and
body are validated with the route's own declared fields (the same pydantic validators FastAPI uses next),
so the check sees exactly the value the endpoint will get, in whatever form it was written (`2`, `2.0`,
`02`, `+2`, ` 2` are all 2). When a value does not validate the caller gets `None`, and the check refuses.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args

# Row ids are 32-bit integers in SQLite and PostgreSQL; anything outside is no row of ours.
ID_MIN, ID_MAX = 1, 2**31 - 1


def _fields(request: Request) -> tuple[list[Any], list[Any], list[Any]] | None:
    """(path, body, query fields) the route and its dependencies declare, collected once per route."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    cache: dict[int, tuple[list[Any], list[Any], list[Any]]] = request.app.state.__dict__.setdefault(
        "_route_fields", {})
    found = cache.get(id(route))
    if found is None:
        path: list[Any] = []
        body: list[Any] = []
        query: list[Any] = []
        todo = [dependant]
        while todo:
            d = todo.pop()
            path += [f for f in d.path_params if f.name not in {p.name for p in path}]
            query += [f for f in d.query_params if f.name not in {q.name for q in query}]
            body += list(d.body_params)
            todo.extend(d.dependencies)
        found = cache[id(route)] = (path, body, query)
    return found


def path_values(request: Request) -> dict[str, Any] | None:
    """The route's path parameters as the route's declared types make them. A parameter that does not
    validate is left out (a check that needs it refuses; one that does not, like a slip's kind, lets the
    route answer its own 422)."""
    fields = _fields(request)
    if fields is None:
        return None
    out: dict[str, Any] = {}
    for f in fields[0]:
        values, errors = request_params_to_args([f], request.path_params)
        if not errors:
            out.update(values)
    return out


def query_values(request: Request) -> dict[str, Any] | None:
    """The route's query parameters as its declared types make them; None if any fails to validate."""
    fields = _fields(request)
    if fields is None:
        return None
    values, errors = request_params_to_args(fields[2], request.query_params)
    return None if errors else values


def bounded_id(values: dict[str, Any] | None, name: str) -> int | None:
    """An id path value that is a real int within the database's range, else None (a refusal)."""
    v = (values or {}).get(name)
    if isinstance(v, bool) or not isinstance(v, int) or not ID_MIN <= v <= ID_MAX:
        return None
    return v


class Unparsable(Exception):
    """The body does not validate against the route's own body model: the route would answer 422."""


async def body_values(request: Request) -> dict[str, Any]:
    """The route's body parameters validated by its own models (`{"body": TakeOverIn(...)}`), {} without
    a body. Raises Unparsable when the body is not JSON or does not validate."""
    fields = _fields(request)
    raw = await request.body()
    if fields is None or not fields[1]:
        return {}
    data: Any = None
    if raw:
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise Unparsable from e
    route = request.scope.get("route")
    embed = bool(getattr(route, "_embed_body_fields", False))
    values, errors = await request_body_to_args(fields[1], data, embed)
    if errors:
        raise Unparsable
    return values


def body_field(values: dict[str, Any], name: str) -> Any:
    """A field of the validated body (`counter_id`), whether the route embeds it or takes a model."""
    if name in values:
        return values[name]
    for v in values.values():
        if isinstance(v, dict) and name in v:
            return v[name]
        if v is not None and hasattr(v, name):
            return getattr(v, name)
    return None
