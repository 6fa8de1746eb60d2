"""Test harness: a real uvicorn server on a loopback port, real HTTP and WebSocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from app.config import Settings
from app.resources import Resources
from oms.compose import build_app

ADMIN_TOKEN = "test-admin-token"


@dataclass
class RunningServer:
    base_url: str
    ws_url: str
    resources: Resources

    @property
    def statements(self) -> int:
        return self.resources.db.statements.count


@dataclass
class RemoteServer:
    """A server in another process: reachable, but its statements are not counted here."""

    base_url: str
    ws_url: str


@contextlib.asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[RunningServer]:
    """Run the app under uvicorn in this event loop until the block ends."""
    app = build_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="on", log_config=None, access_log=False, ws_ping_interval=None, ws_per_message_deflate=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server exited during start-up")
        await asyncio.sleep(0.01)
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql", app.state.resources)
    finally:
        server.should_exit = True
        await task
        sock.close()


class GraphQLError(AssertionError):
    pass


class Client:
    """GraphQL over HTTP against a server, in this process or another."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ADMIN_TOKEN, **extra: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = {"query": query, "variables": variables or {}, **extra}
        return await self.http.post("/graphql", json=body, headers=headers)

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ADMIN_TOKEN
    ) -> dict[str, Any]:
        """The whole response body, errors included."""
        response = await self.post(query, variables, token=token)
        return dict(response.json())

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ADMIN_TOKEN
    ) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = await self.raw(query, variables, token=token)
        if body.get("errors"):
            raise GraphQLError(json.dumps(body["errors"], indent=1))
        return dict(body["data"])


class Api(Client):
    """A client of the in-process test server, whose SQL statements can be counted."""

    def __init__(self, server: RunningServer, client: httpx.AsyncClient) -> None:
        super().__init__(client)
        self.server = server

    def statements(self) -> int:
        return self.server.statements

    async def counted(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ADMIN_TOKEN
    ) -> tuple[dict[str, Any], int]:
        """The data of a request and the SQL statements the server ran for it (background jobs excluded)."""
        rid = uuid.uuid4().hex
        headers = {"x-request-id": rid} | ({"authorization": f"Bearer {token}"} if token else {})
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(json.dumps(body["errors"], indent=1))
        return dict(body["data"]), self.server.resources.db.statements.by_request.get(rid, 0)


class Subscriptions:
    """A graphql-transport-ws client over a real WebSocket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._next_id = 0

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next_id += 1
        sub_id = str(self._next_id)
        payload = {"query": query, "variables": variables or {}}
        await self.ws.send(json.dumps({"id": sub_id, "type": "subscribe", "payload": payload}))
        return sub_id

    async def receive(self, wait: float = 5.0) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), wait))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return dict(message)

    async def next_data(self, wait: float = 5.0) -> dict[str, Any]:
        message = await self.receive(wait)
        assert message["type"] == "next", message
        return dict(message["payload"])


@contextlib.asynccontextmanager
async def subscriptions(
    server: RunningServer | RemoteServer, token: str | None = ADMIN_TOKEN, request_id: str | None = None
) -> AsyncIterator[Subscriptions]:
    headers = {"x-request-id": request_id} if request_id else None  # to count the connection's statements
    async with connect(
        server.ws_url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
    ) as ws:
        init: dict[str, Any] = {"type": "connection_init", "payload": {}}
        if token:
            init["payload"] = {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        yield Subscriptions(ws)
