"""ASGI entry point for `uvicorn app.asgi:app` and multi-worker serving."""

from __future__ import annotations

from app import auth, logs
from app.config import Settings
from app.server import create_app

_settings = Settings.from_env()
logs.configure(_settings.log_level)
app = create_app(_settings.with_(admin_token=auth.admin_token(_settings)), run_migrations=False)
