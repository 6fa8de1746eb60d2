"""ASGI entry point for `uvicorn oms.asgi:app` and multi-worker serving."""

from __future__ import annotations

from oms.compose import served_app

app = served_app()
