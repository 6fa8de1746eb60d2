"""`oms`: serve, migrate, seed, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from app import auth, logs
from app.config import Settings
from app.pubsub import InProcessBroker
from app.services import seed
from app.services.uow import UnitOfWork
from app.store import migrate
from app.store.db import Database

EXAMPLES = """\
Example queries (paste into GraphiQL; mutations need the header
{{"Authorization": "Bearer {token}"}}):

  query PDP {{
    availability(skus: ["SKU-00001", "SKU-00002"], channel: "web", market: "US") {{
      sku atp onHand reserved
      locations(onlyAvailable: true) {{ location {{ id name type }} atp held }}
    }}
  }}

  query Stores {{
    locations(market: "CA", type: HUB_STORE) {{ id name geo {{ lat lon }} capabilities }}
  }}
"""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="oms", description="Promise OMS: the availability master.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate, optionally seed, and serve GraphQL")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="seed the demo network when the database is empty")
    commands.add_parser("migrate", help="apply database migrations")
    seed_cmd = commands.add_parser("seed", help="load the demo network")
    seed_cmd.add_argument("--demo", action="store_true", required=True)
    seed_cmd.add_argument("--seed", type=int, default=42)
    seed_cmd.add_argument("--if-empty", action="store_true", help="do nothing when locations exist")
    export = commands.add_parser("export-schema", help="write the SDL")
    export.add_argument("--output", default="schema.graphql")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logs.configure(settings.log_level)
    handlers = {"serve": _serve, "migrate": _migrate, "seed": _seed, "export-schema": _export}
    handlers[args.command](settings, args)


def _migrate(settings: Settings, _: argparse.Namespace) -> None:
    asyncio.run(_with_db(settings, migrate.upgrade))
    print(f"database at revision {migrate.head_revision()}")


def _seed(settings: Settings, args: argparse.Namespace) -> None:
    async def run(db: Database) -> None:
        await migrate.upgrade(db)
        if args.if_empty and not await seed.is_empty(db):
            print("database already holds a network; not seeding")
            return
        counts = await seed.seed_demo(UnitOfWork(db, InProcessBroker()), seed=args.seed)
        print("seeded demo network: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

    asyncio.run(_with_db(settings, run))


async def _with_db(settings: Settings, job: object) -> None:
    db = Database(settings.database_url)
    try:
        await job(db)  # type: ignore[operator]
    finally:
        await db.dispose()


def _export(settings: Settings, args: argparse.Namespace) -> None:
    from resolvers.schema import create_schema

    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(schema_sdl(create_schema()))
    print(f"wrote {args.output}")


def schema_sdl(schema: object) -> str:
    return str(schema.as_str()).rstrip() + "\n"  # type: ignore[attr-defined]


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    if args.demo:
        _seed(settings, argparse.Namespace(seed=42, if_empty=True))
    else:
        _migrate(settings, args)
    token = auth.admin_token(settings) if settings.production else auth.ensure_admin_token(settings)
    settings = settings.with_(admin_token=token)
    if token:
        os.environ["OMS_ADMIN_TOKEN"] = token  # worker processes read their settings from the environment
    _banner(settings)
    uvicorn.run(
        "app.asgi:app" if args.workers > 1 else _app(settings),
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        env_file=None,
    )


def _app(settings: Settings) -> Any:
    from app.server import create_app

    return create_app(settings, run_migrations=False)


def _banner(settings: Settings) -> None:
    url = f"http://{settings.host}:{settings.port}/graphql"
    print(f"\nPromise OMS serving {url} (GraphiQL in a browser)", file=sys.stderr)
    print(f"Admin token: {settings.admin_token}\n", file=sys.stderr)
    print(EXAMPLES.format(token=settings.admin_token), file=sys.stderr)


if __name__ == "__main__":
    main()
