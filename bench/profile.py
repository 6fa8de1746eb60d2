"""Where a scenario's server time goes: py-spy samples the server under the suite's load, summed by layer.

    python -m bench.profile pdp|plp|cart|place|hold|checkout|fanout|import [--seconds N]
    python -m bench.profile plp --executor planned|reference|hand-built

The storefront scenarios (pdp, plp, cart) run our server under
OMS_EXECUTOR=<executor> (default planned), or the hand-built floor
(bench/handbuilt.py) with `--executor hand-built`, and write
bench/results/profile-<scenario>-<executor>.txt.

Needs py-spy in the virtualenv (`.venv/bin/pip install py-spy`; not a project
dependency). Writes bench/results/profile-<scenario>.txt: self time by layer
(the package of the innermost frame) and the top frames, from py-spy's raw
(collapsed) output, plus the raw file beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench import fanout, network, scenarios
from bench.common import REDIS, RESULTS, free_port, server
from bench.harness import SERVER_ENV, load

HANDBUILT = "hand-built"
LAYERS = (
    ("(graphql/", "graphql-core"),
    ("(strawberry/", "strawberry"),
    ("(sqlalchemy/", "sqlalchemy"),
    ("(asyncpg/", "asyncpg"),
    ("(aiosqlite/", "aiosqlite + sqlite3"),
    ("(sqlite3/", "aiosqlite + sqlite3"),
    ("(uvicorn/", "uvicorn"),
    ("(starlette/", "starlette"),
    ("(websockets/", "websockets"),
    ("(redis/", "redis-py"),
    ("(json/", "json"),
    ("(asyncio/", "asyncio"),
    ("(domain/", "ours: domain/"),
    ("(app/", "ours: app/"),
    ("(resolvers/", "ours: resolvers/"),
    ("(engine/", "ours: engine/"),
    ("(bench/", "ours: bench/"),
)


def layer(frame: str) -> str:
    for needle, name in LAYERS:
        if needle in frame:
            return name
    return "other (stdlib, C)"


def summarize(raw: Path, title: str) -> str:
    by_layer: Counter[str] = Counter()
    by_frame: Counter[str] = Counter()
    ours_inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        n = int(count)
        total += n
        by_layer[layer(frames[-1])] += n
        by_frame[frames[-1]] += n
        for frame in set(frames):
            if any(p in frame for p in ("(domain/", "(app/", "(resolvers/", "(engine/")):
                ours_inclusive[frame] += n
    lines = [f"# {title}: {total} samples", "", "## self time by layer"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in by_layer.most_common()]
    lines += ["", "## top frames (self)"] + [f"{100 * n / total:5.1f}%  {f}" for f, n in by_frame.most_common(15)]
    lines += ["", "## our frames (inclusive)"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in ours_inclusive.most_common(15)]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def spy(pid: int, seconds: float, out: Path) -> Iterator[None]:
    binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    command = [binary, "record", "--format", "raw", "--subprocesses", "-r", "200", "-d", str(int(seconds))]
    process = subprocess.Popen([*command, "-o", str(out), "-p", str(pid)], stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.wait(seconds + 30)


async def http_scenario(name: str, seconds: float, raw: Path, executor: str) -> None:
    """The storefront scenario's load on one server (1 worker, PostgreSQL + Redis), py-spy on its process."""
    scenario = scenarios.BY_ROUTE[name]
    path = f"/handbuilt/{name}" if executor == HANDBUILT else "/graphql"
    target = "bench.handbuilt:app" if executor == HANDBUILT else "oms.asgi:app"
    async with network.postgres() as url:
        env = {**SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": REDIS, "OMS_EXECUTOR": executor}
        if executor == HANDBUILT:
            env["OMS_EXECUTOR"] = "planned"
        port = free_port()
        command = ["-m", "uvicorn", target, "--no-access-log", "--port", str(port), "--timeout-keep-alive", "60"]
        with server(command, env, port) as proc:
            bodies, connections = scenario.bodies(), scenarios.CONNECTIONS
            await load(port, bodies, connections=connections, requests=50, seconds=5, path=path)
            with spy(proc.pid, seconds, raw):
                await load(port, bodies, connections=connections, requests=10**9, seconds=seconds + 1, path=path)


async def place_scenario(seconds: float, raw: Path, executor: str) -> None:
    """placeOrder as the bench drives it (50 clients, hot SKUs), with stock enough that none is refused."""
    from bench import place_order
    from bench.pg import scratch_database

    async with scratch_database() as url:
        await place_order.seed(url, per_location=100_000)
        env = {
            **SERVER_ENV,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS,
            "OMS_DB_POOL_SIZE": "50",
            "OMS_EXECUTOR": executor,
        }
        port = free_port()
        command = [
            "-m",
            "uvicorn",
            "oms.asgi:app",
            "--no-access-log",
            "--port",
            str(port),
            "--timeout-keep-alive",
            "60",
        ]
        with server(command, env, port) as proc:
            await place_order.warm_up(port, 50)
            with spy(proc.pid, seconds, raw):
                await place_order.drive(port, int(seconds * 600), 50)  # enough orders to outlast the sampling


async def hold_scenario(mode: str, seconds: float, raw: Path) -> None:
    """createCheckoutHold alone (`hold`) or hold then placeOrder(checkoutHoldId) (`checkout`) as bench.checkout
    drives them (50 clients, hot SKUs), with stock enough that none is refused."""
    import random
    import uuid

    from bench import checkout, place_order
    from bench.pg import scratch_database

    async with scratch_database() as url:
        await place_order.seed(url, per_location=100_000)
        env = {**SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": REDIS, "OMS_DB_POOL_SIZE": "50"}
        port = free_port()
        command = ["-m", "uvicorn", "oms.asgi:app", "--no-access-log", "--port", str(port)]
        with server([*command, "--timeout-keep-alive", "60"], env, port) as proc:
            await checkout.warm_up(port, 50, checkout.Tally())
            rng = random.Random(9)
            carts = [place_order.order(uuid.uuid4().hex, rng) for _ in range(int(seconds * 400))]
            with spy(proc.pid, seconds, raw):
                await checkout.drive(mode, port, carts, 50)  # enough shoppers to outlast the sampling


async def fanout_scenario(seconds: float, raw: Path, executor: str) -> list[Path]:
    """Both replicas sampled (one py-spy each) while 1,000 subscribers receive events."""
    spies: list[subprocess.Popen[bytes]] = []
    parts: list[Path] = []

    def attach(pids: list[int]) -> None:
        for n, pid in enumerate(pids):
            parts.append(raw.with_suffix(f".{n}"))
            spies.append(subprocess.Popen(_spy_command(pid, seconds, parts[-1]), stdout=subprocess.DEVNULL))

    try:
        await fanout.run(1000, 30, 30.0, on_replicas=attach, record=False, executors=(executor,))
    finally:
        for s in spies:
            s.wait(60)
    return parts


def _spy_command(pid: int, seconds: float, out: Path) -> list[str]:
    binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    return [binary, "record", "--format", "raw", "-r", "200", "-d", str(int(seconds)), "-o", str(out), "-p", str(pid)]


async def import_scenario(lines: int, raw: Path, backend: str) -> None:
    """`oms import-inventory` run under py-spy (the CLI is the process doing the work)."""
    from bench import import_inventory
    from bench.pg import scratch_database

    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.csv"
        import_inventory.write_feed(feed, lines)
        async with contextlib.AsyncExitStack() as stack:
            if backend == "postgres":
                url = await stack.enter_async_context(scratch_database())
            else:
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'import.db'}"
            await import_inventory.prepare(url)
            binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
            command = [binary, "record", "--format", "raw", "-r", "200", "-o", str(raw), "--"]
            command += [sys.executable, "-m", "oms.cli", "import-inventory", str(feed), "--source", "bench"]
            env = {**os.environ, "DATABASE_URL": url, "OMS_LOG_LEVEL": "WARNING"}
            spy = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.DEVNULL)
            assert await spy.wait() == 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["pdp", "plp", "cart", "place", "hold", "checkout", "fanout", "import"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--executor",
        choices=["planned", "reference", HANDBUILT],
        default="planned",
        help="OMS_EXECUTOR of the server(s); pdp, plp, cart also the hand-built floor",
    )
    parser.add_argument("--lines", type=int, default=200_000, help="import: lines in the feed")
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres", help="import: where to")
    parser.add_argument("--summarize", action="store_true", help="only summarize the raw file of an earlier run")
    args = parser.parse_args()
    if not args.summarize and not shutil.which("py-spy", path=str(Path(sys.executable).parent)):
        parser.error("py-spy is not in the virtualenv: .venv/bin/pip install py-spy")
    RESULTS.mkdir(parents=True, exist_ok=True)
    http = args.scenario in scenarios.BY_ROUTE
    if args.executor == HANDBUILT and not http:
        parser.error("--executor hand-built is for pdp, plp and cart")
    plain = not http and (args.executor == "planned" or args.scenario == "import")
    name = args.scenario if plain else f"{args.scenario}-{args.executor}"
    raw = RESULTS / f"profile-{name}.raw.txt"
    if args.summarize:
        pass
    elif args.scenario == "fanout":
        parts = asyncio.run(fanout_scenario(args.seconds, raw, args.executor))
        raw.write_text("".join(p.read_text() for p in parts))
        for p in parts:
            p.unlink()
    elif args.scenario == "import":
        asyncio.run(import_scenario(args.lines, raw, args.backend))
    elif args.scenario == "place":
        asyncio.run(place_scenario(args.seconds, raw, args.executor))
    elif args.scenario in {"hold", "checkout"}:
        asyncio.run(hold_scenario(args.scenario, args.seconds, raw))
    else:
        asyncio.run(http_scenario(args.scenario, args.seconds, raw, args.executor))
    what = (
        f"import, {args.lines:,} lines, {args.backend} (py-spy, the CLI process)" if args.scenario == "import" else ""
    )
    if http or args.scenario in {"place", "hold", "checkout", "fanout"}:
        what = f"{args.scenario}, OMS_EXECUTOR={args.executor} (py-spy, server process)"
    text = summarize(raw, what or f"{args.scenario} (py-spy, server process)")
    (RESULTS / f"profile-{name}.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
