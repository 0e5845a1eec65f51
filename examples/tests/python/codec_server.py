"""A Python workflow, with the encryption codec of the Temporal Python sample, that passes its
argument to the Rust activity `secret_greeting` and returns the activity's result.

Run by ``examples/tests/integration/codec_server.rs``. It serves the workflow, runs it once with
``{"greeting": "Hello", "name": <secret>}`` and prints ONE JSON line (the workflow's id, run id
and result); then it goes on serving the workflow (for runs the ``temporal`` CLI starts) until
its standard input closes.
"""

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import uuid
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from encryption import EncryptionCodec
    from temporalio.client import Client
    from temporalio.converter import DataConverter
    from temporalio.worker import Worker


@workflow.defn(name="PassToActivity")
class PassToActivity:
    @workflow.run
    async def run(self, activity_task_queue: str, secret: dict) -> str:
        return await workflow.execute_activity(
            "secret_greeting",
            secret,
            task_queue=activity_task_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--activity-task-queue", required=True)
    parser.add_argument("--workflow-task-queue", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()

    converter = dataclasses.replace(DataConverter.default, payload_codec=EncryptionCodec())
    client = await Client.connect(args.address, namespace=args.namespace, data_converter=converter)
    workflow_id = f"codec-server-{uuid.uuid4()}"
    async with Worker(client, task_queue=args.workflow_task_queue, workflows=[PassToActivity]):
        handle = await client.start_workflow(
            PassToActivity.run,
            args=[args.activity_task_queue, {"greeting": "Hello", "name": args.secret}],
            id=workflow_id,
            task_queue=args.workflow_task_queue,
            execution_timeout=timedelta(seconds=60),
        )
        result = await handle.result()
        report = {"workflow_id": workflow_id, "run_id": handle.result_run_id, "result": result}
        print(json.dumps(report, sort_keys=True))
        sys.stdout.flush()
        # Serve the runs the CLI starts until the test closes our standard input.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
    # As encryption.py: skip interpreter teardown, where the SDK's native runtime has been seen
    # to crash.
    sys.stdout.flush()
    os._exit(0)
