"""The Python SDK's worker for the end-to-end benchmark: serves `noop(str) -> str` on
BENCH_TASK_QUEUE at BENCH_ADDRESS, prints READY once running, and runs until killed.

With BENCH_SPIN_ROUNDS set it serves the CPU-bound `spin(str) -> str` instead, a sync activity
on a ThreadPoolExecutor of BENCH_BLOCKING_THREADS threads (and as many activity slots)."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

MASK = (1 << 64) - 1


@activity.defn(name="noop")
async def noop(text: str) -> str:
    return text


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
                max_concurrent_activities=threads,
            ):
                print("READY", flush=True)
                await asyncio.Event().wait()
    else:
        async with Worker(client, task_queue=task_queue, activities=[noop]):
            print("READY", flush=True)
            await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
