"""Alembic environment: runs on the connection the application hands over.

`app.store.migrate` opens the async engine and passes a sync connection in
`config.attributes["connection"]`, so migrations work the same from the CLI,
the server's start-up and the tests, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from app.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `oms migrate` (app.store.migrate), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
