"""Python workflows exchange protobuf messages and MessagePack values with Rust activities.

Run by ``examples/tests/integration/protobuf_interop.rs``. It prints ONE JSON line: what the
workflows saw (results read as Python's own message types), and the encodings of every activity
payload in the stored histories.

- ``ProtoWorkflow`` runs twice: on a worker whose converter is Python's default (messages go as
  ``json/protobuf``) and on one that puts ``binary/protobuf`` first. It calls ``accept_order``
  (``interop.v1.Order`` -> ``interop.v1.Receipt``, with a Timestamp and a Duration inside) and
  ``locate_run`` (``temporal.api.common.v1.WorkflowExecution`` both ways) on two Rust workers:
  one answering ``json/protobuf`` (the default), one ``binary/protobuf``. First it sends a
  ``WorkflowExecution`` to ``accept_order``, which must fail with an ``ArgumentError`` naming
  both message types.
- ``PackWorkflow`` sends a dict as ``binary/msgpack`` to ``pack_order``, served by a Rust worker
  with ``examples::msgpack::MessagePack`` in its converter.

``interop/v1/orders_pb2.py`` is generated from ``examples/proto/interop/v1/orders.proto`` with
grpcio-tools (``make proto-python``) and checked in.
"""

import argparse
import asyncio
import json
import os
import sys
import uuid
from datetime import timedelta
from typing import Any, Optional, Type

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    import msgpack
    from google.protobuf import json_format
    from interop.v1 import orders_pb2
    from temporalio.api.common.v1 import Payload, WorkflowExecution
    from temporalio.client import Client
    from temporalio.converter import (
        BinaryNullPayloadConverter,
        BinaryPlainPayloadConverter,
        BinaryProtoPayloadConverter,
        CompositePayloadConverter,
        DataConverter,
        DefaultPayloadConverter,
        EncodingPayloadConverter,
        JSONPlainPayloadConverter,
        JSONProtoPayloadConverter,
    )
    from temporalio.worker import Worker

ONCE = RetryPolicy(maximum_attempts=1)
TIMEOUT = timedelta(seconds=30)


class BinaryProtoFirst(CompositePayloadConverter):
    """Python's default chain with ``binary/protobuf`` before ``json/protobuf``."""

    def __init__(self) -> None:
        super().__init__(
            BinaryNullPayloadConverter(),
            BinaryPlainPayloadConverter(),
            BinaryProtoPayloadConverter(),
            JSONProtoPayloadConverter(),
            JSONPlainPayloadConverter(),
        )


class MessagePackConverter(EncodingPayloadConverter):
    """Dicts as ``binary/msgpack``, as ``examples::msgpack::MessagePack`` writes them."""

    @property
    def encoding(self) -> str:
        return "binary/msgpack"

    def to_payload(self, value: Any) -> Optional[Payload]:
        if not isinstance(value, dict):
            return None
        return Payload(metadata={"encoding": self.encoding.encode()}, data=msgpack.packb(value))

    def from_payload(self, payload: Payload, type_hint: Optional[Type] = None) -> Any:
        return msgpack.unpackb(payload.data)


class MessagePackFirst(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(
            MessagePackConverter(), *DefaultPayloadConverter.default_encoding_payload_converters
        )


@workflow.defn
class ProtoWorkflow:
    @workflow.run
    async def run(self, json_queue: str, binary_queue: str) -> dict:
        report: dict = {}
        try:
            await workflow.execute_activity(
                "accept_order",
                WorkflowExecution(workflow_id="not-an-order", run_id="r"),
                task_queue=json_queue,
                start_to_close_timeout=TIMEOUT,
                retry_policy=ONCE,
            )
            report["mismatch"] = {"unexpected": "success"}
        except ActivityError as err:
            cause = err.cause
            report["mismatch"] = {
                "type": getattr(cause, "type", None),
                "message": getattr(cause, "message", str(cause)),
                "non_retryable": getattr(cause, "non_retryable", None),
            }

        order = orders_pb2.Order(
            order_id="o-1",
            items=["tea", "cups"],
            quantity=3,
            priority=orders_pb2.PRIORITY_EXPRESS,
        )
        order.placed_at.FromJsonString("2026-12-07T10:00:00.250Z")
        order.ship_within.FromJsonString("5400.500s")
        for name, queue in [("json_worker", json_queue), ("binary_worker", binary_queue)]:
            receipt = await workflow.execute_activity(
                "accept_order",
                order,
                task_queue=queue,
                result_type=orders_pb2.Receipt,
                start_to_close_timeout=TIMEOUT,
                retry_policy=ONCE,
            )
            execution = await workflow.execute_activity(
                "locate_run",
                WorkflowExecution(workflow_id="wf-9", run_id="run-9"),
                task_queue=queue,
                result_type=WorkflowExecution,
                start_to_close_timeout=TIMEOUT,
                retry_policy=ONCE,
            )
            report[name] = {
                "receipt_is_receipt": isinstance(receipt, orders_pb2.Receipt),
                "receipt": json_format.MessageToDict(receipt),
                "ship_by": receipt.ship_by.ToJsonString(),
                "execution_is_message": isinstance(execution, WorkflowExecution),
                "execution": json_format.MessageToDict(execution),
            }
        return report


@workflow.defn
class PackWorkflow:
    @workflow.run
    async def run(self, queue: str) -> dict:
        summary = await workflow.execute_activity(
            "pack_order",
            {"id": "p-1", "quantities": [2, 3, 5]},
            task_queue=queue,
            start_to_close_timeout=TIMEOUT,
            retry_policy=ONCE,
        )
        return {"summary": summary}


def activity_payloads(history) -> list:
    """Per activity: its type, and the encoding (and messageType) of its input and result."""
    describe = lambda payloads: [
        {
            "encoding": p.metadata.get("encoding", b"").decode(),
            "messageType": p.metadata.get("messageType", b"").decode(),
        }
        for p in payloads
    ]
    scheduled = {}
    for event in history.events:
        if event.HasField("activity_task_scheduled_event_attributes"):
            attrs = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = {
                "activity": attrs.activity_type.name,
                "queue": attrs.task_queue.name,
                "input": describe(attrs.input.payloads),
            }
        if event.HasField("activity_task_completed_event_attributes"):
            attrs = event.activity_task_completed_event_attributes
            scheduled[attrs.scheduled_event_id]["result"] = describe(attrs.result.payloads)
    return list(scheduled.values())


async def run_workflow(address, namespace, converter_class, workflow_cls, args) -> tuple:
    converter = DataConverter(payload_converter_class=converter_class)
    client = await Client.connect(address, namespace=namespace, data_converter=converter)
    task_queue = f"payloads-workflows-{uuid.uuid4()}"
    workflow_id = f"payloads-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[workflow_cls]):
        result = await client.execute_workflow(
            workflow_cls.run,
            args=args,
            id=workflow_id,
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=90),
        )
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return result, activity_payloads(history)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--json-queue", required=True)
    parser.add_argument("--binary-queue", required=True)
    parser.add_argument("--msgpack-queue", required=True)
    args = parser.parse_args()

    report = {}
    for sender, converter_class in [
        ("python_json", DefaultPayloadConverter),
        ("python_binary", BinaryProtoFirst),
    ]:
        result, payloads = await run_workflow(
            args.address,
            args.namespace,
            converter_class,
            ProtoWorkflow,
            [args.json_queue, args.binary_queue],
        )
        report[sender] = {"result": result, "payloads": payloads}
    result, payloads = await run_workflow(
        args.address, args.namespace, MessagePackFirst, PackWorkflow, [args.msgpack_queue]
    )
    report["msgpack"] = {"result": result, "payloads": payloads}
    print(json.dumps(report, sort_keys=True))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
    # As the other scripts: skip interpreter teardown, where the SDK's native runtime has been
    # seen to crash.
    sys.stdout.flush()
    os._exit(0)
