"""`python -m bench`: run every measurement in one go and write JSON, a chart and a table.

Needs the local servers (`make bench` starts them). Options: --sizes, --workers, --quick,
--only fairness|attacks|soak (one section alone; `soak` alone as an argument does the same:
`make bench ARGS=soak`), and the soak's --soak-minutes, --soak-tenants, --soak-load,
--soak-drain-s, --soak-seed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import platform
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import psutil

from bench import (
    attacks,
    bigbody,
    branded,
    fairness,
    links,
    machine_use,
    render_limit,
    sheetdownload,
    sheets,
    soak,
    zipdownload,
)
from bench.chart import draw, draw_soak
from bench.cpu_share import cpu_per_row_us
from bench.e2e import Deployment, deploy, run_batch
from bench.loadgen import redirect_load
from shared.settings import Settings
from tests.servers import start_local_servers  # the benchmark's figures are local ones

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECTIONS = ("fairness", "attacks", "soak")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="1000,10000,100000,250000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--redirect-seconds", type=float, default=30.0)
    parser.add_argument("--redirect-rate", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="small sizes, short load")
    parser.add_argument("--only", choices=SECTIONS, help="run one section alone")
    parser.add_argument("section", nargs="?", choices=SECTIONS, help="the same as --only")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--soak-tenants", type=int, default=12)
    parser.add_argument("--soak-load", type=float, default=0.4,
                        help="offered rows/s as a share of the measured capacity")
    parser.add_argument("--soak-drain-s", type=float, default=180.0)
    parser.add_argument("--soak-seed", type=int, default=34)
    args = parser.parse_args()
    args.only = args.only or args.section
    return args


async def archive_codes(deployment: Deployment, bulk_id: str) -> list[str]:
    async with (
        aiohttp.ClientSession(deployment.url) as http,
        http.get(f"/api/qr/bulk-generate/{bulk_id}/result", headers=deployment.headers) as answer,
    ):
        entries = orjson.loads(orjson.loads(await answer.read()))
    return [entry["url"].rsplit("/r/", 1)[1] for entry in entries if isinstance(entry, dict)]


async def measure_deployment(
    base: Settings,
    workers: int,
    sizes: list[int],
    args: argparse.Namespace,
    results: dict[str, Any],
) -> None:
    deployment = await deploy(base, workers)
    try:
        if workers == 1:
            results["cpu_us_per_row"] = await cpu_per_row_us(deployment, 20_000)
            print(f"cpu per row (µs, one worker): {results['cpu_us_per_row']}", flush=True)
        for size in sizes:
            figures, bulk_id = await run_batch(deployment, size)
            row = dataclasses.asdict(figures) | {
                "rows_per_s": figures.rows_per_s,
                "rows_per_s_per_worker": figures.rows_per_s_per_worker,
            }
            results["batches"].append(row)
            print(
                f"workers={workers} rows={size:>7,}: {figures.total_s:6.1f} s, "
                f"{figures.rows_per_s_per_worker:6.0f} rows/s/worker, POST "
                f"{figures.post_s:.2f} s ({figures.body_mb:.1f} MB), RSS "
                f"{ {k: round(v) for k, v in figures.peak_rss_mb.items()} }",
                flush=True,
            )
            if workers == max(int(w) for w in args.workers.split(",")) and size == sizes[0]:
                codes = await archive_codes(deployment, bulk_id)
        if workers == max(int(w) for w in args.workers.split(",")):
            results["verify"] = await verified_batch(deployment, sizes)
            results["redirect"] = redirect_load(
                deployment, codes, args.redirect_rate, args.redirect_seconds
            )
            print(f"redirects: {results['redirect']}", flush=True)
    finally:
        deployment.stop()


async def verified_batch(deployment: Deployment, sizes: list[int]) -> dict[str, Any]:
    """The same batch with and without decode verification, to price it end to end."""
    size = min(10_000, max(sizes))
    plain, _ = await run_batch(deployment, size)
    verified, _ = await run_batch(deployment, size, verify=True)
    print(
        f"verify: {size} rows {plain.total_s:.1f} s plain, {verified.total_s:.1f} s verified",
        flush=True,
    )
    return {"rows": size, "plain_s": plain.total_s, "verified_s": verified.total_s}


async def measure_fairness(base: Settings, quick: bool) -> dict[str, Any]:
    return await fairness.measure(
        base, big_rows=20_000 if quick else 250_000, throughput_rows=10_000 if quick else 100_000
    )


def soak_options(args: argparse.Namespace) -> soak.SoakOptions:
    return soak.SoakOptions(minutes=args.soak_minutes, tenants=args.soak_tenants,
                            load_share=args.soak_load, drain_s=args.soak_drain_s,
                            seed=args.soak_seed)


async def section_alone(base: Settings, args: argparse.Namespace) -> None:
    """`--only NAME`: one section on its own, written beside the full results (the soak's
    chart to docs/soak.png)."""
    name = args.only
    if name == "soak":
        figures = await soak.measure(base, soak_options(args))
    else:
        figures = (await measure_fairness(base, args.quick) if name == "fairness"
                   else await attacks.measure(base))
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cpus": psutil.cpu_count(),
        "command": f"make bench ARGS='--only {name}'",
        name: figures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(f"wrote {RESULTS / name}.json")
    if name == "soak":
        draw_soak(figures, ROOT / "docs" / "soak.png")
        print(f"wrote {ROOT / 'docs' / 'soak.png'}")


async def main() -> None:
    args = parse_args()
    if args.quick:
        args.sizes, args.redirect_seconds = "1000,5000", 5.0
    sizes = [int(s) for s in args.sizes.split(",")]
    start_local_servers()
    base = Settings()
    if args.only:
        await section_alone(base, args)
        return
    render = render_limit.measure(3000 if args.quick else 5000)
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "cpus": psutil.cpu_count(),
        "command": "make bench",
        "render": dataclasses.asdict(render)
        | {"reference_rows_per_s": render.reference_rows_per_s},
        "batches": [],
    }
    print(
        f"render: reference {render.reference_us:.0f} µs, project {render.project_us:.0f} µs,"
        f" project+verify {render.project_verified_us:.0f} µs per QR",
        flush=True,
    )
    results["branded"] = branded.report(300 if args.quick else 1000)
    results["sheets"] = sheets.report(5000 if args.quick else 250_000)
    for workers in (int(w) for w in args.workers.split(",")):
        await measure_deployment(base, workers, sizes, args, results)
    results["machine_use"] = await machine_use.measure(base, 10_000 if args.quick else 100_000)
    results["fairness"] = await measure_fairness(base, args.quick)
    results["big_body"] = await bigbody.measure_all(base)
    results["attacks"] = await attacks.measure(base)
    results["links"] = await links.measure(
        base, 100_000 if args.quick else 1_000_000, args.redirect_seconds
    )
    results["zip_download"] = zipped = await zipdownload.measure(20_000 if args.quick else 250_000)
    print(f"zip download ({zipped['rows']:,} rows): {zipped['zip']['mb_per_s']} MB/s from the "
          f"workers' parts, {zipped['zip_from_archive']['mb_per_s']} from the archive "
          f"(x{zipped['parts_over_archive_rate']}); RSS above idle "
          f"{zipped['zip']['peak_rss_above_idle_mb']} MB", flush=True)
    results["sheet_download"] = await sheetdownload.measure(
        2_000 if args.quick else 20_000, "a4-3x8"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    draw(results, ROOT / "docs" / "benchmarks.png")
    print(f"wrote {RESULTS / 'latest.json'} and docs/benchmarks.png")


if __name__ == "__main__":
    asyncio.run(main())
