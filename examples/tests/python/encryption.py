"""A Python workflow, with the encryption codec of the Temporal Python sample, calls Rust
activities served by a worker with `examples::encryption::EncryptionCodec`.

Run by ``examples/tests/encryption_interop.rs``. It prints ONE JSON line: what the activities
returned (decrypted, as the workflow saw them), and what the stored history holds, read through a
client WITHOUT the codec: the encoding of each payload and whether any secret appears in plain.

The codec is the sample's (samples-python/encryption/codec.py), unchanged in its wire format.
"""

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable, List

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from temporalio.client import Client
    from temporalio.converter import DataConverter, PayloadCodec
    from temporalio.worker import Worker

DEFAULT_KEY = b"test-key-test-key-test-key-test!"
DEFAULT_KEY_ID = "test-key-id"


class EncryptionCodec(PayloadCodec):
    def __init__(self, key_id: str = DEFAULT_KEY_ID, key: bytes = DEFAULT_KEY) -> None:
        super().__init__()
        self.key_id = key_id
        self.encryptor = AESGCM(key)

    async def encode(self, payloads: Iterable[Payload]) -> List[Payload]:
        return [
            Payload(
                metadata={
                    "encoding": b"binary/encrypted",
                    "encryption-key-id": self.key_id.encode(),
                },
                data=self.encrypt(p.SerializeToString()),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Iterable[Payload]) -> List[Payload]:
        ret: List[Payload] = []
        for p in payloads:
            if p.metadata.get("encoding", b"").decode() != "binary/encrypted":
                ret.append(p)
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            if key_id != self.key_id:
                raise ValueError(f"Unrecognized key ID {key_id}. Current key ID is {self.key_id}.")
            ret.append(Payload.FromString(self.decrypt(p.data)))
        return ret

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.encryptor.encrypt(nonce, data, None)

    def decrypt(self, data: bytes) -> bytes:
        return self.encryptor.decrypt(data[:12], data[12:], None)


@dataclass
class Secret:
    greeting: str
    name: str


@workflow.defn
class EncryptedWorkflow:
    @workflow.run
    async def run(self, task_queue: str, secret_name: str) -> dict:
        greeting = await workflow.execute_activity(
            "secret_greeting",
            Secret("Hello", secret_name),
            task_queue=task_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        try:
            await workflow.execute_activity(
                "secret_failure",
                secret_name,
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
            failure = {"unexpected": "success"}
        except ActivityError as err:
            cause = err.cause
            failure = {
                "type": getattr(cause, "type", None),
                "details": list(cause.details) if isinstance(cause, ApplicationError) else None,
            }
        return {"greeting": greeting, "failure": failure}


@workflow.defn
class EncodedFailureWorkflow:
    """Calls an activity whose failure message holds the secret, on a worker that moves failure
    messages into ``encoded_attributes``: the codec encrypts them."""

    @workflow.run
    async def run(self, task_queue: str, secret_name: str) -> dict:
        try:
            await workflow.execute_activity(
                "secret_message_failure",
                secret_name,
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
            return {"unexpected": "success"}
        except ActivityError as err:
            cause = err.cause
            return {
                "type": getattr(cause, "type", None),
                "message": getattr(cause, "message", None),
                "cause_of_cause": getattr(cause.__cause__, "message", None),
            }


def payloads_of(event) -> list:
    """Every payload of the history events that carry activity data."""
    found = []
    attrs = event.activity_task_scheduled_event_attributes
    found += list(attrs.input.payloads)
    attrs = event.activity_task_completed_event_attributes
    found += list(attrs.result.payloads)
    failure = event.activity_task_failed_event_attributes.failure
    while failure.ByteSize():
        found += list(failure.application_failure_info.details.payloads)
        failure = failure.cause
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--activity-task-queue", required=True)
    parser.add_argument("--workflow-task-queue", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument(
        "--encoded-failure-task-queue",
        help="instead: run EncodedFailureWorkflow against this activity task queue",
    )
    args = parser.parse_args()
    if args.encoded_failure_task_queue:
        await encoded_failure(args)
        return

    converter = dataclasses.replace(DataConverter.default, payload_codec=EncryptionCodec())
    client = await Client.connect(args.address, namespace=args.namespace, data_converter=converter)
    workflow_id = f"encrypted-{uuid.uuid4()}"
    async with Worker(client, task_queue=args.workflow_task_queue, workflows=[EncryptedWorkflow]):
        result = await client.execute_workflow(
            EncryptedWorkflow.run,
            args=[args.activity_task_queue, args.secret],
            id=workflow_id,
            task_queue=args.workflow_task_queue,
            execution_timeout=timedelta(seconds=90),
        )

    # The stored history, through a client without the codec: what the server holds.
    plain_client = await Client.connect(args.address, namespace=args.namespace)
    history = await plain_client.get_workflow_handle(workflow_id).fetch_history()
    activity_payloads = []
    for event in history.events:
        for p in payloads_of(event):
            activity_payloads.append(
                {
                    "encoding": p.metadata.get("encoding", b"").decode(),
                    "key_id": p.metadata.get("encryption-key-id", b"").decode(),
                    "secret_in_plain": args.secret.encode() in p.SerializeToString(),
                }
            )
    result["history"] = {
        "activity_payloads": activity_payloads,
        "secret_in_any_event": any(
            args.secret.encode() in event.SerializeToString() for event in history.events
        ),
    }
    print(json.dumps(result, sort_keys=True))
    sys.stdout.flush()


async def encoded_failure(args) -> None:
    """Runs EncodedFailureWorkflow; reports what the workflow saw and whether the secret is
    anywhere in the raw bytes of the stored history."""
    converter = dataclasses.replace(DataConverter.default, payload_codec=EncryptionCodec())
    client = await Client.connect(args.address, namespace=args.namespace, data_converter=converter)
    workflow_id = f"encoded-failure-{uuid.uuid4()}"
    async with Worker(client, task_queue=args.workflow_task_queue, workflows=[EncodedFailureWorkflow]):
        result = await client.execute_workflow(
            EncodedFailureWorkflow.run,
            args=[args.encoded_failure_task_queue, args.secret],
            id=workflow_id,
            task_queue=args.workflow_task_queue,
            execution_timeout=timedelta(seconds=90),
        )
    plain_client = await Client.connect(args.address, namespace=args.namespace)
    history = await plain_client.get_workflow_handle(workflow_id).fetch_history()
    failures = []
    for event in history.events:
        failure = event.activity_task_failed_event_attributes.failure
        while failure.ByteSize():
            failures.append(
                {
                    "message": failure.message,
                    "encoded_attributes_encoding": failure.encoded_attributes.metadata.get(
                        "encoding", b""
                    ).decode(),
                }
            )
            failure = failure.cause
    result["history"] = {
        "secret_in_raw_history": args.secret.encode()
        in b"".join(event.SerializeToString() for event in history.events),
        "failures": failures,
    }
    print(json.dumps(result, sort_keys=True))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
    # The report is out; skip interpreter teardown, where the SDK's native runtime (with two
    # clients alive) has been seen to crash with SIGSEGV.
    sys.stdout.flush()
    os._exit(0)
