"""A lean HTTP/1.1 load generator: keep-alive connections posting JSON.

Why not httpx: on this 2-core machine the load generator shares the CPU with
the server and PostgreSQL, and httpx's async client spends about 3 ms of CPU
per request at 50 connections (measured against `/health/live`, where the
server itself spends 0.2 ms), so it, not the server, set the pace. This client
speaks just enough HTTP/1.1 for our server (Content-Length bodies, keep-alive)
and costs a small fraction of that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any


class LoadError(Exception):
    """The connection failed or the server answered something we do not parse; the request may be retried."""


class Connection:
    """One keep-alive connection; requests on it are sequential."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head = f"Host: {host}:{port}\r\nContent-Type: application/json\r\n{extra}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def post_json(self, path: str, payload: Any) -> tuple[int, Any]:
        """POST `payload` as JSON; returns (status, decoded JSON body or None)."""
        body = json.dumps(payload).encode()
        request = f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        status, raw = await self._exchange(request)
        return status, json.loads(raw) if raw else None

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self._exchange(f"GET {path} HTTP/1.1\r\n{self._head}\r\n".encode())

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        try:
            reader, writer = await self._open()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            length = None
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length is None:
                raise LoadError("response without Content-Length")
            return status, await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            await self.close()
            raise LoadError(str(error)) from error

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
