"""A Python workflow (temporalio 1.35.0) that calls Rust activities by name.

Run by ``activity-runtime/tests/integration/python_interop.rs`` and
``tests/process_isolation.rs``. The Rust test serves the activities on
``--activity-task-queue``; this script runs a Python worker with the chosen workflow only (no
activities) on ``--workflow-task-queue``, executes the workflow once and prints ONE JSON line with
what every activity returned, as Python saw it. ``bytes`` are reported as hex (JSON has no bytes),
together with the Python type name, so the Rust side can check they really arrived as ``bytes``.

    python interop.py --address 127.0.0.1:7233 --workflow values \
        --activity-task-queue rust-q --workflow-task-queue py-q
"""

import argparse
import asyncio
import json
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client
    from temporalio.worker import Worker


@dataclass
class YourParams:
    greeting: str
    name: str


# Retries stay on (a few, quickly) so that `non_retryable` from Rust is what stops them.
RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)


async def call(task_queue: str, activity: str, *args: Any) -> Any:
    """Calls a Rust activity by name, with one payload per positional argument."""
    return await workflow.execute_activity(
        activity,
        args=args,
        task_queue=task_queue,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=RETRY,
    )


def describe_bytes(value: Any) -> dict:
    return {
        "python_type": type(value).__name__,
        "is_bytes": isinstance(value, bytes),
        "hex": value.hex() if isinstance(value, bytes) else repr(value),
    }


@workflow.defn
class ValuesWorkflow:
    @workflow.run
    async def run(self, task_queue: str) -> dict:
        greeting = await call(task_queue, "your_activity", YourParams("Hello", "Python"))
        reversed_bytes = await call(task_queue, "reverse_bytes", b"\x00\x01\xfe\xff")
        summary = await call(task_queue, "three_args", "widget", 3, ["b", "a", "c"])
        nothing = await call(task_queue, "record_note", "from python")
        return {
            "your_activity": greeting,
            "reverse_bytes": describe_bytes(reversed_bytes),
            "three_args": summary,
            "three_args_python_type": type(summary).__name__,
            "record_note": nothing,
            "record_note_is_none": nothing is None,
        }


@workflow.defn
class FailureWorkflow:
    @workflow.run
    async def run(self, task_queue: str) -> dict:
        try:
            result = await call(task_queue, "charge_card", 1999)
        except ActivityError as err:
            cause = err.cause
            if not isinstance(cause, ApplicationError):
                return {"unexpected_cause": repr(cause)}
            return {
                "cause_class": type(cause).__name__,
                "type": cause.type,
                "non_retryable": cause.non_retryable,
                "message": cause.message,
                "details": list(cause.details),
                "details0_python_type": type(cause.details[0]).__name__ if cause.details else None,
            }
        return {"unexpected_success": result}


@workflow.defn
class DynamicWorkflow:
    """Calls activity types that no Rust worker registered: the dynamic activity answers."""

    @workflow.run
    async def run(self, task_queue: str) -> dict:
        unregistered = await call(task_queue, "not_registered_anywhere", YourParams("Hi", "Dyn"))
        registered = await call(task_queue, "your_activity", YourParams("Hello", "Registered"))
        return {"unregistered": unregistered, "registered": registered}


@workflow.defn
class ProcessFailureWorkflow:
    """A failure raised in the child process of a process-isolated Rust activity, as Python sees
    it: type, message, details, next retry delay, category and cause."""

    @workflow.run
    async def run(self, task_queue: str) -> dict:
        try:
            result = await workflow.execute_activity(
                "fail_in_child",
                "card declined",
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            cause = err.cause
            if not isinstance(cause, ApplicationError):
                return {"unexpected_cause": repr(cause)}
            inner = cause.__cause__
            delay = cause.next_retry_delay
            return {
                "type": cause.type,
                "message": cause.message,
                "non_retryable": cause.non_retryable,
                "details": list(cause.details),
                "next_retry_delay_ms": round(delay.total_seconds() * 1000) if delay else None,
                "category": cause.category.name,
                "cause_message": getattr(inner, "message", repr(inner)),
            }
        return {"unexpected_success": result}


@workflow.defn
class ResourceLimitWorkflow:
    """Process-isolated Rust activities stopped by the limits of their child process: an
    allocation over ``memory_limit``, a busy loop over ``cpu_time``. Reports each failure as
    Python sees it: type, message, retryability and details."""

    @workflow.run
    async def run(self, task_queue: str) -> dict:
        report = {}
        for activity, args in [("allocate_limited", [100 << 20]), ("spin", [])]:
            try:
                result = await workflow.execute_activity(
                    activity,
                    args=args,
                    task_queue=task_queue,
                    start_to_close_timeout=timedelta(seconds=60),
                    retry_policy=RetryPolicy(maximum_attempts=1),
                )
                report[activity] = {"unexpected_success": result}
            except ActivityError as err:
                cause = err.cause
                if not isinstance(cause, ApplicationError):
                    report[activity] = {"unexpected_cause": repr(cause)}
                    continue
                report[activity] = {
                    "type": cause.type,
                    "message": cause.message,
                    "non_retryable": cause.non_retryable,
                    "details": list(cause.details),
                }
        return report


@workflow.defn
class TracedWorkflow:
    """Calls a Rust activity with tracing on (``temporalio.contrib.opentelemetry``): the trace
    context of the workflow's ``StartActivity`` span goes in the ``_tracer-data`` header."""

    @workflow.run
    async def run(self, task_queue: str) -> dict:
        return {"greeting": await call(task_queue, "traced_greeting", "Ada")}


WORKFLOWS = {
    "values": ValuesWorkflow,
    "traced": TracedWorkflow,
    "failure": FailureWorkflow,
    "dynamic": DynamicWorkflow,
    "process_failure": ProcessFailureWorkflow,
    "resource_limit": ResourceLimitWorkflow,
}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--workflow", required=True, choices=sorted(WORKFLOWS))
    parser.add_argument("--activity-task-queue", required=True)
    parser.add_argument("--workflow-task-queue", required=True)
    args = parser.parse_args()

    interceptors = []
    spans = None
    if args.workflow == "traced":
        # Spans are kept in memory and reported with the result.
        import opentelemetry.trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from temporalio.contrib.opentelemetry import TracingInterceptor

        spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        opentelemetry.trace.set_tracer_provider(provider)
        interceptors.append(TracingInterceptor())

    client = await Client.connect(
        args.address, namespace=args.namespace, interceptors=interceptors
    )
    workflow_class = WORKFLOWS[args.workflow]
    async with Worker(client, task_queue=args.workflow_task_queue, workflows=[workflow_class]):
        result = await client.execute_workflow(
            workflow_class.run,
            args.activity_task_queue,
            id=f"python-interop-{args.workflow}-{uuid.uuid4()}",
            task_queue=args.workflow_task_queue,
            execution_timeout=timedelta(seconds=90),
        )
    if spans is not None:
        result["spans"] = [
            {
                "name": span.name,
                "trace_id": format(span.context.trace_id, "032x"),
                "span_id": format(span.context.span_id, "016x"),
                "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
            }
            for span in spans.get_finished_spans()
        ]
    print(json.dumps(result, sort_keys=True))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is done and printed. Skip interpreter finalization: the SDK's native runtime
    # threads can abort it ("PyGILState_Release: ... finalizing", SIGABRT) after a clean run.
    os._exit(0)
