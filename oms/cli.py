"""`oms`: serve, migrate, seed, import-inventory, import-postal-codes, export-schema, token (the console script)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from app import auth, cli_tokens, demo_tokens, logs, scale
from app.config import Settings
from app.pubsub import InProcessBroker, make_broker
from app.services import postal, seed
from app.services.importer import ImportReport, import_inventory
from app.services.seed_history import seed_history
from app.services.uow import UnitOfWork
from app.store import migrate
from app.store.db import Database
from domain.inventory import SyncMode

T = TypeVar("T")
HISTORY_DAYS = 28  # `make run`: four weeks of past orders, so the reports show something real

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
    seed_cmd = commands.add_parser("seed", help="load the demo network, or a fixed synthetic one for benchmarks")
    which = seed_cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--demo", action="store_true")
    which.add_argument("--scale", choices=sorted(scale.SCALES), help="a deterministic network (app/scale.py)")
    seed_cmd.add_argument("--seed", type=int, default=42)
    seed_cmd.add_argument("--if-empty", action="store_true", help="do nothing when locations exist")
    seed_cmd.add_argument(
        "--history-days", type=int, default=HISTORY_DAYS, help="demo: days of past orders for the reports (0: none)"
    )
    feed = commands.add_parser("import-inventory", help="apply a CSV or JSON Lines feed, best sellers first")
    feed.add_argument("file", type=Path)
    feed.add_argument("--source", required=True, help="the sending system, e.g. erp")
    feed.add_argument("--mode", choices=["snapshot", "delta"], default="snapshot")
    feed.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file extension")
    feed.add_argument("--batch", type=int, default=20_000, help="positions per transaction")
    codes = commands.add_parser("import-postal-codes", help="postal codes with their centres, from a CSV")
    codes.add_argument("file", type=Path, help="header: country,postal_code,lat,lon")
    export = commands.add_parser("export-schema", help="write the SDL")
    export.add_argument("--output", default="schema.graphql")
    cli_tokens.add_parser(commands)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logs.configure(settings.log_level)
    handlers = {
        "serve": _serve,
        "migrate": _migrate,
        "seed": _seed,
        "import-inventory": _import,
        "import-postal-codes": _import_postal_codes,
        "export-schema": _export,
        "token": cli_tokens.run,
    }
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
        if getattr(args, "scale", None):
            counts = await seed.seed_scale(UnitOfWork(db, InProcessBroker()), scale.SCALES[args.scale])
            print(f"seeded {args.scale} network: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
            return
        counts = await seed.seed_demo(UnitOfWork(db, InProcessBroker()), seed=args.seed)
        days = getattr(args, "history_days", HISTORY_DAYS)
        if days:
            counts |= await seed_history(UnitOfWork(db, InProcessBroker()), days=days, seed=args.seed)
        print("seeded demo network: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

    asyncio.run(_with_db(settings, run))


async def _with_db(settings: Settings, job: Callable[[Database], Awaitable[T]]) -> T:
    db = Database(settings.database_url)
    try:
        return await job(db)
    finally:
        await db.dispose()


def _import(settings: Settings, args: argparse.Namespace) -> None:
    if not args.file.is_file():
        sys.exit(f"oms import-inventory: no such file: {args.file}")
    if args.batch < 1:
        sys.exit("oms import-inventory: --batch must be at least 1")

    async def run(db: Database) -> ImportReport:
        await migrate.upgrade(db)
        broker = make_broker(settings.redis_url, settings.pubsub_prefix)
        await broker.start()
        try:
            return await import_inventory(
                db,
                broker,
                path=args.file,
                source=args.source,
                mode=SyncMode(args.mode.upper()),
                fmt=args.format,
                batch=args.batch,
                progress=ProgressBar(),
            )
        finally:
            await broker.stop()

    started = time.perf_counter()
    report = asyncio.run(_with_db(settings, run))
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    for line in report.errors:
        print(f"rejected {line}", file=sys.stderr)
    rate = report.lines / seconds if seconds else 0.0
    print(
        f"import {report.import_id}: {report.lines} lines, {report.applied} applied, "
        f"{report.ignored_stale} stale, {report.duplicates} duplicates, {report.rejected} rejected "
        f"in {seconds:.1f} s ({rate:,.0f} lines/s)"
    )


def _import_postal_codes(settings: Settings, args: argparse.Namespace) -> None:
    if not args.file.is_file():
        sys.exit(f"oms import-postal-codes: no such file: {args.file}")

    async def run(db: Database) -> tuple[int, list[str]]:
        await migrate.upgrade(db)
        return await postal.import_file(lambda: UnitOfWork(db, InProcessBroker()), args.file)

    count, problems = asyncio.run(_with_db(settings, run))
    for line in problems:
        print(f"rejected {line}", file=sys.stderr)
    if problems:
        sys.exit(f"oms import-postal-codes: {len(problems)} bad lines in {args.file}; nothing was imported")
    print(f"imported {count:,} postal codes from {args.file}")


class ProgressBar:
    """One self-rewriting line on stderr, at most ten times a second."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._last < 0.1 and done != total:
            return
        self._last = now
        if total:
            filled = int(30 * done / total)
            bar = "#" * filled + "." * (30 - filled)
            print(f"\r{phase:>8} [{bar}] {done:,}/{total:,}", end="", file=sys.stderr, flush=True)
        else:
            print(f"\r{phase:>8} {done:,} lines", end="", file=sys.stderr, flush=True)


def _export(settings: Settings, args: argparse.Namespace) -> None:
    from oms import compose  # the schema (and Strawberry) loads only for the commands that need it

    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(schema_sdl(compose.schema()))
    print(f"wrote {args.output}")


def schema_sdl(schema: object) -> str:
    return str(schema.as_str()).rstrip() + "\n"  # type: ignore[attr-defined]


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    settings = settings.with_(migrate_on_start=not args.demo)
    if args.demo:
        _seed(settings, argparse.Namespace(seed=42, if_empty=True))
    else:  # migrations run in each worker's start-up, retried while the database is not there yet
        os.environ["OMS_MIGRATE_ON_START"] = "1"
    token = auth.admin_token(settings) if settings.production else auth.ensure_admin_token(settings)
    settings = settings.with_(admin_token=token)
    if token:
        os.environ["OMS_ADMIN_TOKEN"] = token  # worker processes read their settings from the environment
    console = None
    if args.demo and not settings.production:
        storefront, console = asyncio.run(_with_db(settings, partial(demo_tokens.ensure, settings)))
        settings = settings.with_(demo_storefront_token=settings.demo_storefront_token or storefront)
        os.environ["OMS_DEMO_STOREFRONT_TOKEN"] = settings.demo_storefront_token or ""
    _banner(settings, console)
    uvicorn.run(
        "oms.asgi:app" if args.workers > 1 else _app(settings),
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        env_file=None,
        ws_max_size=settings.max_body_bytes,  # a WebSocket message is capped like an HTTP body
        ws_per_message_deflate=False,  # compressing each small subscription event cost more CPU than it saved
    )


def _app(settings: Settings) -> Any:
    from oms import compose

    return compose.build_app(settings, run_migrations=settings.migrate_on_start)


def _banner(settings: Settings, console: demo_tokens.ConsoleLogin | None = None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    print(f"\nPromise OMS serving {base}/graphql (GraphiQL in a browser)", file=sys.stderr)
    print(f"Admin token: {settings.admin_token}\n", file=sys.stderr)
    if console is not None:
        print(f"Storefront demo: {base}/demo", file=sys.stderr)
        print(
            f"Store console:   {base}/console  (store {console.location_id}, token {console.token})\n", file=sys.stderr
        )
    print(EXAMPLES.format(token=settings.admin_token), file=sys.stderr)


if __name__ == "__main__":
    main()
