"""The supergraph under test: our server with demo data, a catalog subgraph, both gateways.

One stack per backend, for the whole session: `oms seed --demo` into a fresh
database (its own, never the one the API tests wipe), our app under uvicorn in
this event loop (so its SQL statements can be counted per request id), the
Node catalog subgraph, the supergraph composed from both live `_service`
SDLs, then Apollo Gateway and Hive Gateway on it. Everything started is
stopped by process id when the session ends, on failure too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backends import Backend, create_pg_database, drop_pg_database, settings_for, unavailable
from tests.e2e import processes
from tests.harness import GraphQLError, RunningServer, serve
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    """URLs of every piece, the composition report, and our server (its statement counter)."""

    oms: RunningServer
    catalog_url: str
    gateways: dict[str, str]  # name -> GraphQL URL
    composition: dict[str, Any]
    http: httpx.AsyncClient

    def statements(self, request_id: str) -> int:
        return self.oms.resources.db.statements.by_request.get(request_id, 0)

    async def through(
        self, gateway: str, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> tuple[dict[str, Any], int]:
        """Data of a request sent through a gateway, and the SQL statements our subgraph ran for it."""
        body, rid = await self.raw(self.gateways[gateway], query, variables, token=token)
        if body.get("errors"):
            raise GraphQLError(json.dumps(body["errors"], indent=1))
        return dict(body["data"]), self.statements(rid)

    async def raw(
        self, url: str, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> tuple[dict[str, Any], str]:
        rid = uuid.uuid4().hex
        headers = {"x-request-id": rid} | ({"authorization": f"Bearer {token}"} if token else {})
        response = await self.http.post(url, json={"query": query, "variables": variables or {}}, headers=headers)
        return dict(response.json()), rid

    async def direct(self, url: str, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Data from one subgraph asked directly (no gateway), to compare with what a gateway returned."""
        body, _ = await self.raw(url, query, variables, **kw)
        if body.get("errors"):
            raise GraphQLError(json.dumps(body["errors"], indent=1))
        return dict(body["data"])


@pytest.fixture(scope="session")
async def stack(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    try:
        processes.node()
    except FileNotFoundError as error:
        unavailable("Node.js e2e packages", error)
    work = tmp_path_factory.mktemp(f"e2e-{backend.name}")
    async with contextlib.AsyncExitStack() as cleanup:
        url = f"sqlite+aiosqlite:///{work / 'oms.db'}"
        if backend.name == "postgres":
            url, name = await create_pg_database()
            cleanup.push_async_callback(drop_pg_database, name)
        settings = settings_for(Backend(backend.name, url, backend.redis_url))
        await seed_demo(url)
        oms = await cleanup.enter_async_context(serve(settings))
        catalog = await _node(cleanup, "catalog", "catalog.mjs", "--port", "0")
        catalog_url = (await catalog.wait_for(r"READY (\S+)")).group(1)
        supergraph, composition = await compose(work, oms.base_url + "/graphql", catalog_url)
        apollo = await _node(cleanup, "apollo-gateway", "apollo-gateway.mjs", "--supergraph", str(supergraph))
        hive_port = free_port()
        hive = await _node(
            cleanup,
            "hive-gateway",
            "node_modules/.bin/hive-gateway",
            "supergraph",
            str(supergraph),
            env={"HIVE_PORT": str(hive_port)},
        )
        apollo_url = (await apollo.wait_for(r"READY (\S+)")).group(1)
        await hive.wait_for(rf"Listening on http://127\.0\.0\.1:{hive_port}")
        async with httpx.AsyncClient(timeout=60) as http:
            yield Stack(
                oms=oms,
                catalog_url=catalog_url,
                gateways={"apollo": apollo_url, "hive": f"http://127.0.0.1:{hive_port}/graphql"},
                composition=composition,
                http=http,
            )


async def _node(cleanup: contextlib.AsyncExitStack, name: str, *args: str, **kw: Any) -> processes.NodeProcess:
    proc = await processes.start(name, *args, **kw)
    cleanup.push_async_callback(proc.stop)
    return proc


async def seed_demo(database_url: str) -> None:
    """`oms seed --demo`, the command a user types, into the suite's own database."""
    env = {**os.environ, "DATABASE_URL": database_url, "OMS_LOG_LEVEL": "WARNING"}
    seed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oms.cli",
        "seed",
        "--demo",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(seed.communicate(), processes.STARTUP_SECONDS)
    assert seed.returncode == 0, out.decode()


async def compose(work: Path, oms_url: str, catalog_url: str) -> tuple[Path, dict[str, Any]]:
    """The supergraph from both running subgraphs' `_service { sdl }`, and both composers' report."""
    supergraph, report = work / "supergraph.graphql", work / "composition.json"
    code, out = await processes.run(
        "compose.mjs",
        f"--subgraph=oms={oms_url}",
        f"--subgraph=catalog={catalog_url}",
        f"--out={supergraph}",
        f"--report={report}",
    )
    assert code == 0, f"composition failed:\n{out}"
    return supergraph, dict(json.loads(report.read_text(encoding="utf-8")))
