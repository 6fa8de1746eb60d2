"""API tokens: only a hash of each is kept."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, String, Table

from app.store.tables.base import metadata
from app.store.types import UtcDateTime

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False),  # SHA-256 hex of the whole token; the secret is never kept
    Column("role", String(32), nullable=False),
    Column("label", String(200), nullable=False),
    Column("locations", JSON),  # null: every location
    Column("channels", JSON),  # null: every channel
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Index(None, "token_hash", unique=True),
)
