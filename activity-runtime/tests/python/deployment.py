"""Where the server says an activity ran: a Python workflow (on an unversioned Python worker of its
own task queue) calls one activity on the Rust worker's task queue; while it runs, the workflow's
`describe()` shows the pending activity's deployment version and worker identity.

Prints one JSON line: the activity's result, and the deployment name, build id and worker
identity of the pending activity as `describe()` showed them.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client
    from temporalio.worker import Worker


@workflow.defn
class CallOne:
    @workflow.run
    async def run(self, activity_type: str, task_queue: str, arg: str) -> str:
        return await workflow.execute_activity(
            activity_type,
            arg,
            task_queue=task_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--workflow-id", required=True)
    parser.add_argument("--activity-type", required=True)
    parser.add_argument("--arg", required=True)
    args = parser.parse_args()

    client = await Client.connect(args.address)
    workflow_queue = f"{args.task_queue}-workflows"
    async with Worker(client, task_queue=workflow_queue, workflows=[CallOne]):
        handle = await client.start_workflow(
            CallOne.run,
            args=[args.activity_type, args.task_queue, args.arg],
            id=args.workflow_id,
            task_queue=workflow_queue,
        )
        # While the activity runs: the server reports where it was dispatched.
        deadline = time.monotonic() + 30
        pending = None
        while time.monotonic() < deadline:
            description = await handle.describe()
            started = [
                a
                for a in description.raw_description.pending_activities
                if a.HasField("last_started_time")
            ]
            if started:
                pending = started[0]
                break
            await asyncio.sleep(0.1)
        result = await handle.result()

    version = pending.last_deployment_version if pending is not None else None
    print(
        json.dumps(
            {
                "result": result,
                "deployment_name": version.deployment_name if version else None,
                "build_id": version.build_id if version else None,
                "worker_identity": pending.last_worker_identity if pending else None,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # As interop.py: skip interpreter finalization, which the SDK's native threads can abort
    # ("PyGILState_Release: ... finalizing", SIGABRT) after a clean run.
    os._exit(0)
