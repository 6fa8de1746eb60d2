"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records what arrives."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    path: str = ""
    raw: bytes = b""  # the body as sent (an OTLP export is protobuf, not text)


HANG = 0  # an answer that never comes: the request stays open until the receiver stops


@dataclass
class Receiver:
    """Answers `answers` in turn (then 200), recording every request; HANG never answers."""

    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(headers, body.decode(errors="replace"), scope["path"], body))
        status = self.answers.pop(0) if self.answers else 200
        if status == HANG:
            self.arrived.set()
            await self.stopping.wait()
            return
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        self.arrived.set()

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        async with asyncio.timeout(seconds):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.received


@contextlib.asynccontextmanager
async def receiving(answers: list[int] | None = None, port: int = 0) -> AsyncIterator[Receiver]:
    """A receiver on `port` (any free one when 0: a probe starts it late on a port it gave out before)."""
    app = Receiver(list(answers or []))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    app.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield app
    finally:
        app.stopping.set()
        server.should_exit = True
        await task
        sock.close()
