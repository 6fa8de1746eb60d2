"""`make bench`: every scenario beside its floor, measured in one run; JSON per scenario and a Markdown summary.

    python -m bench.suite [--quick] [--import-lines N] [--soak-seconds N]
                          [--only storefront,place_order,checkout,import,fanout,simulation,soak]

Writes bench/results/<scenario>.json, bench/results/suite.json and
bench/results/summary.md (the table the README's "Measured" section embeds).
The headline of each row is ours / floor: how many times the floor's p50
(or, for placeOrder, its throughput; for the import, its time) we take.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from typing import Any

from bench import checkout, fanout, import_inventory, place_order, simulation, soak, storefront
from bench.common import RESULTS, ROOT, write_result

HEADER = (
    "| scenario | backend | workers | conns | p50 ms | p99 ms | req/s | errors | floor (same run) "
    "| floor p50 ms | floor req/s | **ours / floor** | server CPU ms/req | peak RSS MB | SQL/req |"
)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _line(*cells: Any) -> str:
    return "| " + " | ".join(_fmt(c) for c in cells) + " |"


def storefront_lines(rows: list[dict[str, Any]]) -> list[str]:
    found = []
    for r in rows:
        o, f = r["ours"], r["floor"]
        found.append(
            _line(
                r["scenario"],
                r["backend"],
                r["workers"],
                r["connections"],
                o.p50_ms,
                o.p99_ms,
                o.throughput,
                o.errors,
                r["floor_name"],
                f.p50_ms,
                f.throughput,
                f"**{r['p50_ratio']}x** p50",
                r["cpu_ms_per_request"],
                r["peak_rss_mb"],
                r["statements_per_request"],
            )
        )
    return found


EXECUTOR_HEADER = (
    "| scenario | backend | workers | planned req/s | planned CPU ms/req | reference req/s | reference CPU ms/req "
    "| hand-built req/s | hand-built CPU ms/req | **planned / hand-built** CPU (req/s) "
    "| reference / hand-built CPU (req/s) | target: planned CPU |"
)


def executor_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One row per storefront scenario and configuration: both executors beside the hand-built floor.
    Ratios are CPU per request over the hand-built's, then (in brackets) the hand-built's req/s over ours."""
    found = []
    for r in rows:
        p, ref, hand, target = r["planned"], r["reference"], r["hand-built"], r["target"]
        goal = f"{target['planned_cpu_ratio']}x of {target['against']} (goal <= {target['limit']:g}x): " + (
            "met" if target["met"] else "not met"
        )
        if "pure_sourcing" in r:
            goal += f"; pure sourcing {r['pure_sourcing']['cpu_ms_per_call']} ms/call"
        found.append(
            _line(
                f"{r['short']}: {r['shape']}",
                r["backend"],
                r["workers"],
                p["figures"].throughput,
                p["cpu_ms_per_request"],
                ref["figures"].throughput,
                ref["cpu_ms_per_request"],
                hand["figures"].throughput,
                hand["cpu_ms_per_request"],
                f"**{p['cpu_ratio']}x** ({p['throughput_ratio']}x)",
                f"{ref['cpu_ratio']}x ({ref['throughput_ratio']}x)",
                goal,
            )
        )
    return found


def executor_table(lines: list[str]) -> str:
    return "\n".join([EXECUTOR_HEADER, "|" + "---|" * (EXECUTOR_HEADER.count(" | ") + 1), *lines])


def place_order_lines(results: list[dict[str, Any]], clients: int) -> list[str]:
    """Two rows per executor and run: against the raw floor, and against the bare stack (uvicorn + Strawberry +
    the same statements as the floor), whose p50 and req/s sit in the floor columns; the bare-stack row also
    gives ours / bare stack against its target (at least 0.8)."""
    found = []
    for r in results:
        for executor, x in r["executors"].items():
            o = x["ours"]
            b = r["bare"]
            target = r["target"]["ours_over_bare_at_least"]
            verdict = "met" if x["target_met"] else "not met"
            floors = [
                ("raw guarded UPDATE + INSERT, asyncpg", r["floor"]["p50_ms"], r["floor"]["per_second"], ""),
                (
                    f"bare stack: uvicorn + Strawberry + the same statements ({b['cpu_ms_per_request']} CPU ms/req)",
                    b["p50_ms"],
                    b["requests_per_second"],
                    f"; ours = {x['bare_ratio']} of it (target >= {target:g}: {verdict})",
                ),
            ]
            for name, p50, per_second, note in floors:
                found.append(
                    _line(
                        f"placeOrder, hot SKUs, OMS_EXECUTOR={executor}{_runs(r, executor)}",
                        "postgres+redis",
                        r["workers"],
                        clients,
                        o["p50_ms"],
                        o["p99_ms"],
                        o["requests_per_second"],
                        o["errors"],
                        name,
                        p50,
                        per_second,
                        f"**{round(per_second / o['requests_per_second'], 2)}x** req/s{note}",
                        o["cpu_ms_per_request"],
                        o["peak_rss_mb"],
                        o["statements_per_request"],
                    )
                )
    return found


def _runs(result: dict[str, Any], executor: str) -> str:
    """The ratios to the bare stack of every run when there were several (the row shows the median run)."""
    runs = result.get("runs") or []
    if len(runs) < 2:
        return ""
    return f" (median of {len(runs)} runs; ours/bare stack: {', '.join(str(x[executor]['bare_ratio']) for x in runs)})"


def checkout_lines(r: dict[str, Any]) -> list[str]:
    """placeOrder alone (the baseline, in the floor columns of the others), createCheckoutHold alone, and hold then
    placeOrder(checkoutHoldId): one row per step and one for the complete checkout (completed checkouts/s)."""
    modes, ratios = r["modes"], r["ratios"]
    base = modes["place"]["ours"]
    baseline = ("placeOrder alone (same run)", base["steps"]["placeOrder"]["p50_ms"], base["completed_per_second"])
    sql = base["statements_per_request"] or {}
    hold = (
        f"**{ratios['hold_over_place_per_second']}x** req/s, {ratios['hold_over_place_p50']}x p50 (hold / placeOrder)"
    )
    both = (
        f"**{ratios['checkout_over_place_per_second']}x** checkouts/s over orders/s, "
        f"{ratios['checkout_over_place_p50']}x p50 ((hold + convert) / placeOrder)"
    )
    rows: list[tuple[str, str, str, str | None, tuple[Any, Any, Any] | None, str]] = [
        ("place", "placeOrder", "placeOrder alone (the baseline)", "req/s", ("n/a: the baseline", None, None), "n/a"),
        ("hold", "createCheckoutHold", "createCheckoutHold alone", "req/s", baseline, hold),
        ("checkout", "createCheckoutHold", "hold then placeOrder, step 1: createCheckoutHold", None, None, "n/a"),
        (
            "checkout",
            "placeOrder(checkoutHoldId)",
            "hold then placeOrder, step 2: placeOrder(checkoutHoldId)",
            None,
            None,
            "n/a",
        ),
        ("checkout", "checkout", "hold then placeOrder: complete checkouts", "checkouts/s", baseline, both),
    ]
    found = []
    for mode, step, name, unit, floor, ratio in rows:
        o = modes[mode]["ours"]
        floor_name, floor_p50, floor_rate = floor or ("see the complete checkouts", None, None)
        found.append(
            _line(
                f"checkout: {name}, hot SKUs, {o['shoppers']:,} shoppers ({o['refused']} refused)",
                "postgres+redis",
                r["workers"],
                r["clients"],
                o["steps"][step]["p50_ms"],
                o["steps"][step]["p99_ms"],
                f"{o['completed_per_second']} {unit}" if unit else None,
                o["errors"],
                floor_name,
                floor_p50,
                floor_rate,
                ratio,
                o["cpu_ms_per_request"],
                o["peak_rss_mb"],
                sql.get(step),
            )
        )
    return found


async def simulation_section(quick: bool, lines: list[str], timings: dict[str, float]) -> None:
    print("sourcing simulation, 10,000 orders replayed under a draft and the baseline", flush=True)
    mark = time.perf_counter()
    lines.append(simulation_line(await simulation.main(2000 if quick else 10_000, sqlite=False)))
    timings["simulation"] = time.perf_counter() - mark


def simulation_line(r: dict[str, Any]) -> str:
    """The decision lab's replay: one job start to SUCCEEDED (the goal: 10,000 orders in under 60 s)."""
    scenario = f"simulateSourcing, {r['orders']:,} orders x 2 profiles"
    cells = [scenario, r["backend"], "runner", "n/a", f"{r['seconds']} s total", "n/a"]
    cells += [f"{r['orders_per_second']:,} orders/s", 0, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]
    return _line(*cells)


def import_lines(rows: list[dict[str, Any]]) -> list[str]:
    return [
        _line(
            f"inventory import, {r['lines']:,} snapshot lines",
            r["backend"],
            "CLI",
            "n/a",
            f"{r['seconds']} s total",
            "n/a",
            f"{r['positions_per_second']:,} lines/s",
            0,
            "PostgreSQL COPY into an unlogged table",
            f"{r['floor_copy_seconds']} s total",
            f"{round(r['lines'] / r['floor_copy_seconds']):,} lines/s",
            f"**{r['ratio']}x** time",
            f"{r['cpu_seconds']} s total",
            r["peak_rss_mb"],
            "n/a",
        )
        for r in rows
    ]


def fanout_lines(r: dict[str, Any]) -> list[str]:
    """One row per executor; the targets (p99 and server CPU per event under 50 ms) in the scenario cell."""
    f, t = r["floor"]["figures"], r["targets"]
    found = []
    for executor, m in r["executors"].items():
        o = m["figures"]
        goal = f"target p99 < {t['p99_ms_below']:g} ms, CPU < {t['cpu_ms_per_event_below']:g} ms/event: " + (
            "met" if m["targets_met"] else "not met"
        )
        found.append(
            _line(
                f"{r['scenario']}, OMS_EXECUTOR={executor} ({goal})",
                "postgres+redis",
                "2 replicas x 1",
                f"{r['subscribers']:,} WS",
                o.p50_ms,
                o.p99_ms,
                f"{m['deliveries_per_second']:,.0f} deliveries/s",
                o.errors,
                "redis-py PUBLISH -> SUBSCRIBE",
                f.p50_ms,
                "n/a",
                f"**{m['p50_ratio']}x** p50",
                f"{m['cpu_ms_per_event']} per event",
                m["peak_rss_mb"],
                "n/a",
            )
        )
    return found


async def soak_section(seconds: float, lines: list[str], timings: dict[str, float]) -> list[str]:
    """Adds the soak's rows to the main table (per kind: the last window beside the first); returns its own table."""
    print(f"soak, {seconds:.0f} s of steady mixed load", flush=True)
    mark = time.perf_counter()
    found = await soak.main(seconds)
    lines += [_line(*cells) for cells in soak.kind_rows(found)]
    timings["soak"] = time.perf_counter() - mark
    return [soak.HEADER, "|" + "---|" * (soak.HEADER.count(" | ") + 1), _line(*soak.resource_row(found))]


async def run(args: argparse.Namespace) -> str:
    only = set(args.only.split(","))
    lines: list[str] = []
    executors: list[str] = []
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if "storefront" in only:
        print("storefront scenarios (PDP, PLP, cart)", flush=True)
        configs = storefront.QUICK if args.quick else storefront.CONFIGS
        rows, executor_rows = await storefront.run(configs, 2.0 if args.quick else 5.0)
        lines += storefront_lines(rows)
        executors = executor_lines(executor_rows)
        timings["storefront"] = time.perf_counter() - started
    if "place_order" in only:
        print("placeOrder under contention, OMS_EXECUTOR=planned and reference", flush=True)
        mark = time.perf_counter()
        orders = 1000 if args.quick else 2000
        repeats = 1 if args.quick else 3
        results = [await place_order.main(orders, 50, w, repeats) for w in ((1,) if args.quick else (1, 2))]
        lines += place_order_lines(results, 50)
        timings["place_order"] = time.perf_counter() - mark
    if "checkout" in only:
        shoppers = 1000 if args.quick else 2000
        print(f"checkout holds beside placeOrder, {shoppers:,} shoppers, 50 connections", flush=True)
        mark = time.perf_counter()
        lines += checkout_lines(await checkout.main(shoppers, 50))
        timings["checkout"] = time.perf_counter() - mark
    if "import" in only:
        print(f"inventory import, {args.import_lines:,} lines", flush=True)
        mark = time.perf_counter()
        lines += import_lines(await import_inventory.main(args.import_lines, {"postgres", "sqlite"}))
        timings["import"] = time.perf_counter() - mark
    if "fanout" in only:
        subscribers = 200 if args.quick else 1000  # quick: fewer, and the row's scenario says so
        print(f"subscription fan-out, {subscribers:,} subscribers, OMS_EXECUTOR=planned and reference", flush=True)
        mark = time.perf_counter()
        lines += fanout_lines(await fanout.run(subscribers, 5 if args.quick else 10, 30.0, quick=args.quick))
        timings["fanout"] = time.perf_counter() - mark
    await simulation_section(args.quick, lines, timings) if "simulation" in only else None
    soaked = await soak_section(args.soak_seconds, lines, timings) if "soak" in only else []
    total = time.perf_counter() - started
    separator = "|" + "---|" * HEADER.count(" | ") + "---|"
    note = (
        f"_{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{'quick' if args.quick else 'full'} run of {total:.0f} s; generated by `make bench` (bench/suite.py)._"
    )
    parts = [HEADER, separator, *lines, ""]
    if executors:
        parts += [executor_table(executors), ""]
    parts += [*soaked, ""] if soaked else []
    summary = "\n".join([*parts, note]) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.md").write_text(summary)
    write_result("suite", {"quick": args.quick, "seconds": round(total, 1), "timings": timings, "markdown": summary})
    return summary


START, END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"


def paste_into_readme() -> None:
    """Put bench/results/summary.md between the README's markers (in the "Measured" section)."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    summary = (RESULTS / "summary.md").read_text(encoding="utf-8")
    readme.write_text(f"{head}{START}\n{summary}{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer configurations and shorter measurements")
    parser.add_argument("--import-lines", type=int, default=None, help="default 1,000,000 (quick 100,000)")
    parser.add_argument("--only", default="storefront,place_order,checkout,import,fanout,simulation,soak")
    parser.add_argument("--soak-seconds", type=float, default=None, help="default 600 (quick 60)")
    parser.add_argument("--paste", action="store_true", help="only paste bench/results/summary.md into the README")
    args = parser.parse_args()
    if args.paste:
        paste_into_readme()
        return
    if args.soak_seconds is None:
        args.soak_seconds = soak.QUICK_SECONDS if args.quick else soak.FULL_SECONDS
    if args.import_lines is None:
        args.import_lines = 100_000 if args.quick else 1_000_000
    print(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
