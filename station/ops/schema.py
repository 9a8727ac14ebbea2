"""Which schema a database stands at, compared with this release's migrations, and what to do about it.

Why it exists: an office runs several daemons on one PostgreSQL database. If each daemon migrated at start,
an upgraded PC would move the schema under the daemons of PCs not upgraded yet, and a PC with an old release
would meet tables it does not know. So a daemon starts only on the schema it was built for; the schema
moves only by `station db upgrade`, run once with every daemon stopped (README, "Upgrading"). An empty
database is the one exception: the first start of a new PC creates it.

Read from the migration scripts with `ast` (as station.store.db does) so the daemon never imports Alembic.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, inspect, text

from station.store.db import MIGRATIONS_DIR

State = Literal["empty", "current", "older", "newer"]


@functools.cache
def script_graph() -> dict[str, frozenset[str]]:
    """Every revision this release knows → the revisions it follows (down_revision and depends_on)."""
    graph: dict[str, frozenset[str]] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found: dict[str, list[str]] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "depends_on"):
                value = ast.literal_eval(node.value)  # type: ignore[union-attr]
                found[target.id] = list(value) if isinstance(value, (tuple, list)) else [value] if value else []
        if found.get("revision"):
            graph[found["revision"][0]] = frozenset(found.get("down_revision", []) + found.get("depends_on", []))
    return graph


def script_heads() -> frozenset[str]:
    graph = script_graph()
    parents = set().union(*graph.values()) if graph else set()
    return frozenset(set(graph) - parents)


def database_revisions(engine: Engine) -> frozenset[str] | None:
    """The revisions recorded in `alembic_version`, or None when the database has no station tables."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return frozenset(row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version")))


@dataclass(frozen=True)
class SchemaCheck:
    state: State
    database: frozenset[str]
    code: frozenset[str]

    @property
    def ok_to_start(self) -> bool:
        return self.state in ("empty", "current")

    def advice(self) -> str:
        """One message for the log and the terminal, in both languages, that says what to do."""
        from station.messages import both

        db = ",".join(sorted(self.database)) or "-"
        code = ",".join(sorted(self.code))
        if self.state in ("newer", "older"):
            return " / ".join(both(f"ops.schema.{self.state}", db=db, code=code))
        return f"schema {self.state} ({db})"


def check(engine: Engine) -> SchemaCheck:
    """Compare the database's revisions with this release's."""
    code = script_heads()
    applied = database_revisions(engine)
    if not applied:
        return SchemaCheck("empty", frozenset(), code)
    known = script_graph()
    if any(r not in known for r in applied):
        return SchemaCheck("newer", applied, code)
    return SchemaCheck("current" if applied == code else "older", applied, code)


def is_known(revisions: frozenset[str] | set[str]) -> bool:
    """True when this release knows every revision (a backup or database it can read and upgrade)."""
    known = script_graph()
    return all(r in known for r in revisions)


def refusal_to_start(url: str) -> str | None:
    """Why a daemon must not start on this database (what to do, both languages), or None to go on.

    An empty database is created by the daemon's first start; any other schema but this release's is
    refused: moving it is `station db upgrade`'s job, once for the whole office."""
    from station.store.db import make_engine

    engine = make_engine(url)
    try:
        c = check(engine)
    finally:
        engine.dispose()
    return None if c.ok_to_start else c.advice()
