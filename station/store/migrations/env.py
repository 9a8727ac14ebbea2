"""Alembic environment: runs on the connection the application hands over (see store.db.upgrade)."""

from alembic import context

from station.store.models import Base, import_all_models

import_all_models()

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via station.store.db.upgrade
    raise RuntimeError("run migrations with `station db upgrade`")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
