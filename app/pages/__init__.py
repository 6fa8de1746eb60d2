"""The storefront demo (`/demo`), the store console (`/console`) and its operations reports
(`/console/reports`): static pages served by the app itself.

Plain HTML, CSS and ES modules that talk GraphQL over HTTP and graphql-transport-ws,
so a new user sees the whole system work after `make run`, and the browser tests
prove the API serves real frontends.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.resources import Resources

HERE = Path(__file__).parent
DEFAULT_SKU = "SKU-00001"  # the demo network's best seller


def routes(resources: Resources) -> list[BaseRoute]:
    async def demo(_: Request) -> Response:
        return FileResponse(HERE / "demo.html")

    async def console(_: Request) -> Response:
        return FileResponse(HERE / "console.html")

    async def reports(_: Request) -> Response:
        return FileResponse(HERE / "reports.html")

    async def demo_config(_: Request) -> Response:
        """What the demo storefront needs: its public storefront token (channel `web`) and a default product."""
        return JSONResponse({"storefrontToken": resources.storefront_token, "defaultSku": DEFAULT_SKU})

    return [
        Route("/demo", demo),
        Route("/demo/config", demo_config),
        Route("/console", console),
        Route("/console/reports", reports),
        Mount("/pages", StaticFiles(directory=HERE), name="pages"),
    ]
