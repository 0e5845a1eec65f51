"""The Python SDK's worker for the end-to-end benchmark: serves `noop(str) -> str`, `hold`,
`reverse_text` and `reverse_bytes` on BENCH_TASK_QUEUE at BENCH_ADDRESS, prints READY once
running, and runs until killed. BENCH_SLOTS sets `max_concurrent_activities`; with
BENCH_REPORT_HEARTBEATS set it prints `HEARTBEATS n` every 100 ms (the heartbeats `hold` has
recorded so far).

With BENCH_SPIN_ROUNDS set it serves the CPU-bound `spin(str) -> str` instead, a sync activity
on a ThreadPoolExecutor of BENCH_BLOCKING_THREADS threads (and twice as many activity slots)."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

MASK = (1 << 64) - 1


@activity.defn(name="noop")
async def noop(text: str) -> str:
    return text


@dataclass
class Progress:
    """What `hold` heartbeats: the same `{"step":…,"of":…}` as the Rust workers' `Progress`."""

    step: int
    of: int


HEARTBEATS = 0


@activity.defn(name="hold")
async def hold(seconds: int) -> int:
    global HEARTBEATS
    for step in range(1, seconds + 1):
        await asyncio.sleep(1)
        activity.heartbeat(Progress(step=step, of=seconds))
        HEARTBEATS += 1
    return seconds


@activity.defn(name="reverse_text")
async def reverse_text(text: str) -> str:
    return text[::-1]


@activity.defn(name="reverse_bytes")
async def reverse_bytes(data: bytes) -> bytes:
    return data[::-1]


async def report_heartbeats() -> None:
    last = None
    while True:
        await asyncio.sleep(0.1)
        if HEARTBEATS != last:
            last = HEARTBEATS
            print(f"HEARTBEATS {last}", flush=True)


@activity.defn(name="spin")
def spin(text: str) -> str:
    # The same xorshift64 as the Rust worker's `spin`.
    x = 0x9E3779B97F4A7C15
    for _ in range(int(os.environ["BENCH_SPIN_ROUNDS"])):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return text


async def main() -> None:
    client = await Client.connect(os.environ["BENCH_ADDRESS"])
    task_queue = os.environ["BENCH_TASK_QUEUE"]
    if "BENCH_SPIN_ROUNDS" in os.environ:
        threads = int(os.environ.get("BENCH_BLOCKING_THREADS", "1"))
        with ThreadPoolExecutor(max_workers=threads) as executor:
            async with Worker(
                client,
                task_queue=task_queue,
                activities=[spin],
                activity_executor=executor,
                # A queued task for each thread, as in the Rust worker (see cpu.rs).
                max_concurrent_activities=2 * threads,
            ):
                print("READY", flush=True)
                await asyncio.Event().wait()
    else:
        options = {}
        if "BENCH_SLOTS" in os.environ:
            options["max_concurrent_activities"] = int(os.environ["BENCH_SLOTS"])
        async with Worker(
            client,
            task_queue=task_queue,
            activities=[noop, hold, reverse_text, reverse_bytes],
            **options,
        ):
            # Kept in a variable: the event loop holds tasks only weakly.
            reporter = None
            if "BENCH_REPORT_HEARTBEATS" in os.environ:
                reporter = asyncio.create_task(report_heartbeats())
            print("READY", flush=True)
            await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
