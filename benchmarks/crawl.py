"""Crawl throughput: pages discovered per second on the demo shop, at 1 and at N contexts.

python benchmarks/crawl.py [--contexts N] [--repeats R]

Times the crawl itself (page loads, async-content settling, element extraction and locator
verification) with one browser already started and signed in, as discovery runs it. Prints a
table, then one JSON object as the last line:
{"pages": P, "pages_per_second": {"1": F, "N": F}}
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
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from playwright.async_api import async_playwright

from demo.versions import DEMO_PASSWORD, DEMO_USER
from testforge.browser.launch import launch_options
from testforge.discovery.actuator import Actuator
from testforge.discovery.assemble import PageAssembler
from testforge.discovery.auth import Credentials, auth_config, find_sign_in, sign_in
from testforge.discovery.contexts import ContextFactory
from testforge.discovery.crawler import crawl
from testforge.discovery.scope import CrawlScope
from testforge.domain.app_model import CrawlLimits
from testforge.settings import BrowserSettings


async def measure(url: str, contexts: list[int], repeats: int) -> tuple[int, dict[int, float]]:
    scope = CrawlScope(url)
    credentials = Credentials(DEMO_USER, DEMO_PASSWORD)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(BrowserSettings()))
        context = await browser.new_context()
        page = await context.new_page()
        found = await find_sign_in(page, scope, None, 15)
        assert found.capture is not None, "the demo signs in with a form"
        login = PageAssembler(scope).assemble(found.capture, 0).page
        auth = auth_config(login)
        actuator = Actuator(page, {e.key: e for e in login.elements}, url, 15)
        await sign_in(actuator, auth, credentials)
        state = await context.storage_state()
        await context.close()
        rates: dict[int, float] = {}
        pages = 0
        for n in contexts:
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                result = await crawl(
                    ContextFactory(browser, signed_in_state=state),
                    scope,
                    CrawlLimits(concurrency=n),
                    signed_in=True,
                )
                elapsed = time.perf_counter() - started
                pages = len(result.captures)
                samples.append(pages / elapsed)
            rates[n] = statistics.median(samples)
            print(f"{n:>2} context(s): {pages} pages, {rates[n]:.2f} pages/s (median of {repeats})")
        await browser.close()
    return pages, rates


@contextmanager
def demo_server() -> Iterator[str]:
    """The demo shop in its own process, so serving it never competes with the crawler for the
    interpreter."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "testforge.cli", "demo-app", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--contexts", type=int, default=os.cpu_count() or 2, help="N, the parallel context count"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with demo_server() as url:
        pages, rates = asyncio.run(measure(url, [1, args.contexts], args.repeats))
    speedup = rates[args.contexts] / rates[1]
    print(f"speed-up at {args.contexts} contexts: {speedup:.2f}x on {os.cpu_count()} CPU(s)")
    print(
        json.dumps(
            {"pages": pages, "pages_per_second": {str(n): round(r, 3) for n, r in rates.items()}}
        )
    )


if __name__ == "__main__":
    main()
