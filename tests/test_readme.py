"""The README documents every setting the code reads."""

from __future__ import annotations

from pathlib import Path

from app.config import ENV_VARS, Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_in_the_readme_table() -> None:
    missing = [name for name in ENV_VARS if f"| `{name}` |" not in README]
    assert missing == []


def test_settings_read_the_environment_and_fall_back_to_defaults() -> None:
    settings = Settings.from_env({"OMS_PORT": "9001", "OMS_ENV": "Production", "REDIS_URL": ""})
    assert (settings.port, settings.production, settings.redis_url) == (9001, True, None)
    assert Settings.from_env({}).database_url == "sqlite+aiosqlite:///./var/oms.db"
