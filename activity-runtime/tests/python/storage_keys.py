"""Starts a standalone activity with a large argument through Python's client (temporalio 1.35.0)
with ``ExternalStorage(S3StorageDriver(...))``, waits for its result, and prints ONE JSON line:
the keys of the objects in the bucket (the argument's, as Python's client keys it) and the result.

Run by ``activity-runtime/tests/integration/external_storage.rs``, which starts the same activity
(same type, id and argument) through the Rust client and compares the keys.

    python storage_keys.py --address 127.0.0.1:7233 --s3-endpoint http://127.0.0.1:9000 \
        --bucket payloads --task-queue rust-q --activity-id keys-1 --size 1048576
"""

import argparse
import asyncio
import dataclasses
import json
import os
import sys
from datetime import timedelta

import aioboto3
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.contrib.aws.s3driver import S3StorageDriver
from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client
from temporalio.converter import DataConverter, ExternalStorage


def argument(size: int) -> bytes:
    """The bytes the Rust side sends too: `i * 7 + i / 251` modulo 256."""
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--s3-endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--activity-type", default="byte_count")
    parser.add_argument("--activity-id", required=True)
    parser.add_argument("--size", type=int, required=True)
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
        handle = await client.start_activity(
            args.activity_type,
            argument(args.size),
            id=args.activity_id,
            task_queue=args.task_queue,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
        result = await handle.result()
        listed = await s3.list_objects_v2(Bucket=args.bucket)
        keys = [o["Key"] for o in listed.get("Contents", [])]

    print(json.dumps({"keys": keys, "result": result}, sort_keys=True))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # As interop.py: skip interpreter finalization, which the SDK's native threads can abort.
    os._exit(0)
