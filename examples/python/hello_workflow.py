"""The Python side of the README's hello worker: a workflow that calls the Rust activity
`your_activity` on the task queue `hello-activities`, a Python worker that runs the workflow, and a
client that starts it and prints the result.

    pip install temporalio==1.35.0
    cargo run -p examples --bin worker        # the Rust worker, in another terminal
    python examples/python/hello_workflow.py  # prints "Hello, World!"

TEMPORAL_ADDRESS overrides the server (default localhost:7233).
"""

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker


@dataclass
class YourParams:
    greeting: str
    name: str


@workflow.defn
class Greet:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            "your_activity",                     # the Rust activity's type
            YourParams("Hello", name),           # its argument: JSON {"greeting":..., "name":...}
            task_queue="hello-activities",       # the Rust worker's queue
            start_to_close_timeout=timedelta(seconds=30),
        )


async def main() -> None:
    client = await Client.connect(os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    # The workflow runs on this Python worker's queue; the activity on the Rust worker's.
    async with Worker(client, task_queue="hello-workflows", workflows=[Greet]):
        result = await client.execute_workflow(
            Greet.run, "World", id="hello-workflow", task_queue="hello-workflows"
        )
        print(result)


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    # Skip interpreter finalization, which the SDK's native threads can abort
    # ("PyGILState_Release: ... finalizing") after a clean run.
    os._exit(0)
