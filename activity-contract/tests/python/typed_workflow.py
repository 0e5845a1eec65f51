"""A Python workflow (temporalio 1.35.0) that calls the example Rust activities through the typed
callers `activity-contract python` generated from their contract (the package
``rust_activities`` beside this file, and the protobuf messages' ``interop/v1/orders_pb2``),
checked with ``mypy --strict``.

Run by ``activity-contract/tests/callers/python.rs``: it runs a Python worker with this workflow
on ``--workflow-task-queue``, executes it once against the Rust worker on
``--activity-task-queue`` and prints ONE JSON line with what came back and its Python types.
"""

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from google.protobuf import json_format
    from temporalio.client import Client
    from temporalio.worker import Worker

    # The protobuf messages (generated with `protoc --python_out --pyi_out`), which the callers
    # were generated to use (`--proto-module interop.v1=interop.v1.orders_pb2`): passed through,
    # so that the sandbox and the SDK's converter share one class per message.
    from interop.v1 import orders_pb2

from rust_activities import (
    Customer,
    Delivery1,
    Order,
    OrderLine,
    Priority,
    Quote,
    execute_accept_order,
    execute_quote_order,
    execute_reserve,
    execute_reverse_bytes,
    say_hello,
)

TIMEOUT = timedelta(seconds=30)
ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


@workflow.defn
class TypedCallers:
    @workflow.run
    async def run(self, task_queue: str) -> dict[str, Any]:
        # The `@activity.defn` stub: one argument and the result are type-checked.
        greeting: str = await workflow.execute_activity(
            say_hello, "World", task_queue=task_queue, start_to_close_timeout=TIMEOUT
        )
        order = Order(
            customer=Customer(name="Ada", email=None),
            lines=[OrderLine(sku="tea", quantity=3, unit_price_cents=250)],
            priority=Priority.express,
            delivery=Delivery1(method="ship", address="1 Loop Road"),
        )
        # Keyword callers: every argument checked by name; the result is the generated dataclass.
        quote: Quote = await execute_quote_order(
            order=order,
            coupon="TENOFF",  # the argument type the checks change
            gift_note="Enjoy!",
            task_queue=task_queue,
            start_to_close_timeout=TIMEOUT,
            retry_policy=ONE_ATTEMPT,
        )
        # The `Option` tail left at its default.
        plain: Quote = await execute_quote_order(
            order=order, task_queue=task_queue, start_to_close_timeout=TIMEOUT
        )
        reversed_bytes: bytes = await execute_reverse_bytes(
            data=b"\x00\x01\xfe\xff", task_queue=task_queue, start_to_close_timeout=TIMEOUT
        )
        # A method activity of `Inventory`.
        left: int = await execute_reserve(
            sku="tea", quantity=2, task_queue=task_queue, start_to_close_timeout=TIMEOUT
        )
        # Protobuf messages: the `_pb2` classes both ways.
        order_message = orders_pb2.Order(
            order_id="o-typed",
            items=["kettle", "mug"],
            quantity=3,
            priority=orders_pb2.PRIORITY_EXPRESS,
        )
        order_message.placed_at.FromSeconds(1800000000)
        order_message.ship_within.FromSeconds(90)
        receipt: orders_pb2.Receipt = await execute_accept_order(
            order=order_message, task_queue=task_queue, start_to_close_timeout=TIMEOUT
        )
        # The dynamic activity has no stub: by name.
        legacy: str = await workflow.execute_activity(
            "greet_v1",
            "Python",
            result_type=str,
            task_queue=task_queue,
            start_to_close_timeout=TIMEOUT,
        )
        return {
            "greeting": greeting,
            "quote": dataclasses.asdict(quote),
            "quote_type": type(quote).__name__,
            "priority_type": type(quote.priority).__name__,
            "plain_total_cents": plain.total_cents,
            "plain_gift_note": plain.gift_note,
            "reversed_type": type(reversed_bytes).__name__,
            "reversed_hex": reversed_bytes.hex(),
            "left": left,
            "receipt_type": type(receipt).__name__,
            "receipt": json_format.MessageToDict(receipt),
            "legacy": legacy,
        }


async def main() -> None:
    parser = argparse.ArgumentParser(description="Runs the typed workflow once.")
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--activity-task-queue", required=True)
    parser.add_argument("--workflow-task-queue", required=True)
    args = parser.parse_args()

    client = await Client.connect(args.address, namespace=args.namespace)
    async with Worker(client, task_queue=args.workflow_task_queue, workflows=[TypedCallers]):
        result = await client.execute_workflow(
            TypedCallers.run,
            args.activity_task_queue,
            id=f"typed-callers-{uuid.uuid4()}",
            task_queue=args.workflow_task_queue,
            execution_timeout=timedelta(seconds=90),
        )
    print(json.dumps(result, sort_keys=True, default=str))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization: the SDK's native threads can abort it after a clean run.
    os._exit(0)
