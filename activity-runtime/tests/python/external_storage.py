"""A Python workflow (temporalio 1.35.0) with external storage in S3 that calls a Rust activity.

Run by ``activity-runtime/tests/integration/external_storage.rs`` against an S3-compatible server
(moto) on ``--s3-endpoint``. The workflow's data converter has
``ExternalStorage(drivers=[S3StorageDriver(...)])`` (the default threshold, 256 KiB); it passes
a 5 MiB ``bytes`` argument to the Rust activity ``reverse_big`` on ``--activity-task-queue`` and
checks that the result is the argument reversed, byte for byte. Should the activity fail, the
workflow returns the failure's type, message and retryability instead.

Prints ONE JSON line: what the workflow saw, the largest payload anywhere in the workflow's
history, the reference payloads found there, and the objects in the bucket (key and size).

    python external_storage.py --address 127.0.0.1:7233 --s3-endpoint http://127.0.0.1:9000 \
        --bucket payloads --activity-task-queue rust-q --workflow-task-queue py-q
"""

import argparse
import asyncio
import dataclasses
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    import aioboto3
    from google.protobuf.message import Message
    from temporalio.api.common.v1 import Payload
    from temporalio.client import Client
    from temporalio.contrib.aws.s3driver import S3StorageDriver
    from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client
    from temporalio.converter import DataConverter, ExternalStorage
    from temporalio.worker import Worker

MIB = 1024 * 1024


def big_argument(size: int) -> bytes:
    """Deterministic, incompressible-looking bytes."""
    blocks = (hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size // 32))
    return b"".join(blocks)


@workflow.defn
class ExternalStorageWorkflow:
    @workflow.run
    async def run(self, task_queue: str, size: int) -> dict:
        data = big_argument(size)
        try:
            result = await workflow.execute_activity(
                "reverse_big",
                data,
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            cause = err.cause
            if not isinstance(cause, ApplicationError):
                return {"unexpected_cause": repr(cause)}
            return {
                "failure": {
                    "type": cause.type,
                    "message": cause.message,
                    "non_retryable": cause.non_retryable,
                }
            }
        return {
            "argument_len": len(data),
            "argument_sha256": hashlib.sha256(data).hexdigest(),
            "result_python_type": type(result).__name__,
            "result_len": len(result),
            "result_is_argument_reversed": result == data[::-1],
        }


def payloads_in(message: Message):
    """Every `Payload` anywhere inside `message`."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            for item in value.values():
                if isinstance(item, Message):
                    yield from payloads_in(item)
        elif isinstance(value, Message):
            yield from payloads_in(value)
        else:  # a repeated field
            for item in value:
                yield from payloads_in(item)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--s3-endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--size", type=int, default=5 * MIB)
    parser.add_argument("--activity-task-queue", required=True)
    parser.add_argument("--workflow-task-queue", required=True)
    args = parser.parse_args()

    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    async with session.client("s3", endpoint_url=args.s3_endpoint) as s3:
        driver = S3StorageDriver(client=new_aioboto3_client(s3), bucket=args.bucket)
        converter = dataclasses.replace(
            DataConverter.default, external_storage=ExternalStorage(drivers=[driver])
        )
        client = await Client.connect(
            args.address, namespace=args.namespace, data_converter=converter
        )
        workflow_id = f"python-external-storage-{uuid.uuid4()}"
        async with Worker(
            client, task_queue=args.workflow_task_queue, workflows=[ExternalStorageWorkflow]
        ):
            started = time.monotonic()
            handle = await client.start_workflow(
                ExternalStorageWorkflow.run,
                args=[args.activity_task_queue, args.size],
                id=workflow_id,
                task_queue=args.workflow_task_queue,
                execution_timeout=timedelta(seconds=120),
            )
            result = await handle.result()
            elapsed = time.monotonic() - started

        history = await handle.fetch_history()
        payloads = [p for event in history.events for p in payloads_in(event)]
        references = [
            {
                "metadata": {k: v.decode() for k, v in p.metadata.items()},
                "data": p.data.decode(),
                "external_sizes": [e.size_bytes for e in p.external_payloads],
            }
            for p in payloads
            if p.metadata.get("messageType") == b"temporal.api.sdk.v1.ExternalStorageReference"
        ]
        listed = await s3.list_objects_v2(Bucket=args.bucket)
        objects = [{"key": o["Key"], "size": o["Size"]} for o in listed.get("Contents", [])]

    print(
        json.dumps(
            {
                "workflow": result,
                "workflow_id": workflow_id,
                "run_id": handle.result_run_id,
                "workflow_seconds": round(elapsed, 3),
                "history_payloads": len(payloads),
                "largest_history_payload": max((p.ByteSize() for p in payloads), default=0),
                "references": references,
                "objects": objects,
            },
            sort_keys=True,
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # As interop.py: skip interpreter finalization, which the SDK's native threads can abort.
    os._exit(0)
