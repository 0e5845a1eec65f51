"""The Python SDK's worker for the end-to-end benchmark: serves `noop(str) -> str` on
BENCH_TASK_QUEUE at BENCH_ADDRESS, prints READY once running, and runs until killed."""

import asyncio
import os

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn(name="noop")
async def noop(text: str) -> str:
    return text


async def main() -> None:
    client = await Client.connect(os.environ["BENCH_ADDRESS"])
    async with Worker(
        client, task_queue=os.environ["BENCH_TASK_QUEUE"], activities=[noop]
    ):
        print("READY", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
