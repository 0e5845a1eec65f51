"""The Python SDK's worker for the isolation benchmark: serves the synchronous activity
`noop(str) -> str` on BENCH_TASK_QUEUE at BENCH_ADDRESS from a one-worker ThreadPoolExecutor or
ProcessPoolExecutor (BENCH_EXECUTOR=thread|process), prints READY once running, and runs until
killed."""

import asyncio
import concurrent.futures
import multiprocessing
import os

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import SharedStateManager, Worker


@activity.defn(name="noop")
def noop(text: str) -> str:
    return text


async def main() -> None:
    client = await Client.connect(os.environ["BENCH_ADDRESS"])
    options = {}
    if os.environ["BENCH_EXECUTOR"] == "process":
        executor = concurrent.futures.ProcessPoolExecutor(max_workers=1)
        options["shared_state_manager"] = SharedStateManager.create_from_multiprocessing(
            multiprocessing.Manager()
        )
    else:
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    async with Worker(
        client,
        task_queue=os.environ["BENCH_TASK_QUEUE"],
        activities=[noop],
        activity_executor=executor,
        max_concurrent_activities=1,
        **options,
    ):
        print("READY", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
