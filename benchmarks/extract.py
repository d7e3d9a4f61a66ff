"""Scanner cost: snapshot a generated huge page and an ordinary page (the demo shop's catalogue).

python benchmarks/extract.py [--rows N] [--repeats R] [--budget S]

A huge page is a table of N rows of 8 elements each (20,000 elements by default): a link, a
button and a field per row, 7,500 interactive elements. For each page it prints the
element count, the records kept and cut, the snapshot time (extract.js plus validation; first
run and median of R), and the time of the whole capture step (snapshot plus locator
verification, which gives up after S seconds on a page too big to check). Then one JSON object as
the last line:
{"huge": {...}, "ordinary": {...}}
"""

# ruff: noqa: E402, PTH100, PTH120
# benchmarks/operator.py shadows the standard library's `operator` for scripts run from this
# folder: drop the folder from the path first, with os.path only (pathlib imports `operator`).
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from playwright.async_api import Page, async_playwright

from demo.server import running
from demo.versions import DemoVersion
from testforge.browser.launch import launch_options
from testforge.browser.snapshot import snapshot_async
from testforge.discovery.capture import LADDER_BUDGET_S, snapshot_with_ladders
from testforge.settings import BrowserSettings


def huge_page(rows: int) -> str:
    cells = "".join(
        f'<tr><td>Item {i}</td><td><a href="/item/{i}">Open {i}</a></td>'
        f'<td><button>Buy {i}</button></td><td><input aria-label="Quantity {i}"></td></tr>'
        for i in range(rows)
    )
    return f"<!doctype html><title>Huge</title><h1>Catalogue</h1><table>{cells}</table>"


async def measure(page: Page, repeats: int, budget_s: float) -> dict[str, Any]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        snapshot = await snapshot_async(page)
        samples.append(time.perf_counter() - started)
    started = time.perf_counter()
    snapshot, ladders = await snapshot_with_ladders(page, budget_s=budget_s)
    capture_s = time.perf_counter() - started
    return {
        "elements": snapshot.nodes,
        "records": len(snapshot.elements),
        "records_cut": snapshot.truncated.elements,
        "text_blocks": len(snapshot.texts),
        "text_nodes_cut": snapshot.truncated.texts,
        "unreadable": snapshot.unreadable_count,
        "snapshot_first_s": round(samples[0], 3),
        "snapshot_median_s": round(statistics.median(samples), 3),
        "capture_s": round(capture_s, 3),
        "addressable": sum(1 for ladder in ladders if ladder),
        "not_fully_verified": snapshot.truncated.ladders,
    }


async def run(rows: int, repeats: int, budget_s: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(BrowserSettings()))
        page = await browser.new_page()
        await page.set_content(huge_page(rows))
        results["huge"] = await measure(page, repeats, budget_s)
        with running(DemoVersion.V1) as url:
            await page.goto(f"{url}/products", wait_until="networkidle")
            results["ordinary"] = await measure(page, repeats, budget_s)
        await browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2500, help="rows of the huge page (8 each)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=LADDER_BUDGET_S, help="seconds")
    args = parser.parse_args()
    results = asyncio.run(run(args.rows, args.repeats, args.budget))
    for name, figures in results.items():
        print(
            f"{name:<9} {figures['elements']:>6} elements, {figures['records']} records "
            f"(+{figures['records_cut']} cut), snapshot {figures['snapshot_first_s']:.2f} s first, "
            f"{figures['snapshot_median_s']:.2f} s median; capture {figures['capture_s']:.2f} s, "
            f"{figures['addressable']} addressable"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
