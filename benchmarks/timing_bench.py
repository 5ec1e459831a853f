"""Timing goals that are not tests: the PDF's render time and the rate limiter's effect.

    .venv/bin/python benchmarks/timing_bench.py [--runs 5]

1. The request PDF (the Swedish example of tests/test_pdf.py): render time after a warm-up,
   minimum and median of --runs; the goal is under 500 ms.
2. A burst of 45 sends to 45 chats (more than one second's worth) through the Bot API
   emulator with Telegram's limits enforced, side by side in one run: with sipbot's
   WindowRateLimiter (goal: no 429) and with no limiter (the control: the emulator refuses
   part of the burst). The second needs the real clock, which is why it is here and not in
   the suite; the suite checks the limiter's windows with an injected clock.

Not a test: the figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram.ext import ExtBot  # noqa: E402

from sipbot.chat.ratelimit import WindowRateLimiter  # noqa: E402
from sipbot.documents.pdf import render_pdf  # noqa: E402
from sipbot.playground.emulator import BotApiEmulator  # noqa: E402
from tests.test_pdf import swedish_request  # noqa: E402

TOKEN = "1000:bench"
BURST = 45


def pdf_times(runs: int) -> list[float]:
    doc = swedish_request()
    render_pdf(doc)  # warm-up: imports, font tables
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        render_pdf(doc)
        out.append(time.perf_counter() - start)
    return out


async def burst(limited: bool) -> tuple[int, int, float]:
    """(429 answers, messages delivered, seconds) for one burst of BURST sends."""
    async with BotApiEmulator(enforce_limits=True) as emu:
        users = [emu.user(5000 + i) for i in range(BURST)]
        limiter = WindowRateLimiter(30, max_retries=3) if limited else None
        bot = ExtBot(
            TOKEN,
            base_url=f"{emu.url}/bot",
            base_file_url=f"{emu.url}/file/bot",
            rate_limiter=limiter,
        )
        async with bot:
            start = time.perf_counter()
            await asyncio.gather(
                *(bot.send_message(u.user_id, "hej") for u in users), return_exceptions=True
            )
            took = time.perf_counter() - start
        return emu.stats.rate_limited, sum(len(u.messages) for u in users), took


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = pdf_times(args.runs)
    print(
        f"PDF render: min {min(times) * 1000:.0f} ms, median "
        f"{statistics.median(times) * 1000:.0f} ms over {args.runs} runs (goal < 500 ms)"
    )
    for limited in (True, False):
        refused, delivered, took = await burst(limited)
        name = "WindowRateLimiter" if limited else "no limiter     "
        print(
            f"burst of {BURST}, {name}: {refused} 429s, {delivered}/{BURST} delivered, "
            f"{took:.2f} s"
        )


if __name__ == "__main__":
    asyncio.run(main())
