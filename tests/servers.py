"""Server processes for tests: `uvicorn oms.asgi:app` on its own port, as deployments run it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.backends import Backend
from tests.harness import ADMIN_TOKEN, RemoteServer

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    process: asyncio.subprocess.Process
    server: RemoteServer


def server_process(backend: Backend, **env: str) -> contextlib.AbstractAsyncContextManager[ServerProcess]:
    """A server process on the backend's database (and Redis), ready when yielded; stopped on exit unless the
    test already killed it. `env` adds settings (OMS_... variables). It imports this checkout's code (ROOT
    first on PYTHONPATH), whatever the virtualenv installed."""
    return _process(backend, True, env)


def unready_process(
    backend: Backend, *, cli: bool = False, **env: str
) -> contextlib.AbstractAsyncContextManager[ServerProcess]:
    """As `server_process`, yielded once it answers /health/ready at all (a probe of a server not ready);
    with `cli`, the process is `oms serve` instead of uvicorn on `oms.asgi:app`."""
    return _process(backend, False, env, cli=cli)


def _command(port: int, cli: bool) -> list[str]:
    if cli:
        return [sys.executable, "-m", "oms.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", "oms.asgi:app", "--ws-per-message-deflate", "false", "--port", str(port)]


@contextlib.asynccontextmanager
async def _process(
    backend: Backend, ready: bool, env: dict[str, str], *, cli: bool = False
) -> AsyncIterator[ServerProcess]:
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "DATABASE_URL": backend.database_url,
        "REDIS_URL": backend.redis_url or "",
        "OMS_ADMIN_TOKEN": ADMIN_TOKEN,
        "OMS_LOG_LEVEL": "WARNING",
        **env,
    }
    logs = os.environ.get("OMS_TEST_SERVER_LOGS")  # a directory: each process's stderr kept there, to debug
    stderr = open(Path(logs) / f"server-{port}.log", "wb") if logs else asyncio.subprocess.DEVNULL  # noqa: SIM115, ASYNC230
    process = await asyncio.create_subprocess_exec(
        *_command(port, cli),
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )
    if not isinstance(stderr, int):
        stderr.close()  # the child holds its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    answer = await client.get(f"{base}/health/ready")
                    if answer.status_code == 200 or not ready:
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("server process did not become ready")
        yield ServerProcess(process, RemoteServer(base, f"ws://127.0.0.1:{port}/graphql"))
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)
