"""Fixture: the twins (planned and reference executors on twin databases), fresh for each test module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.backends import Backend
from tests.differential.twins import Twins, twins


@pytest.fixture(scope="module")
async def pair(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Twins]:
    async with twins(backend, str(tmp_path_factory.mktemp("twins"))) as made:
        yield made
