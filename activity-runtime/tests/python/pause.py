"""Pauses a running activity through the Python SDK's activity handle, waits until `describe()`
shows the attempt's failure, then unpauses it.

Prints one JSON line: the last failure's type, message and retryability, and how long after the
pause the server had recorded it.
"""

import argparse
import asyncio
import json
import os
import sys
import time

from temporalio.client import Client
from temporalio.exceptions import ApplicationError


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--activity-id", required=True)
    args = parser.parse_args()

    client = await Client.connect(args.address)
    handle = client.get_activity_handle(args.activity_id)
    paused = time.monotonic()
    await handle.pause(reason="paused by the Python client")
    while True:
        description = await handle.describe(include_last_failure=True)
        failure = await description.last_failure()
        if isinstance(failure, ApplicationError):
            break
        if time.monotonic() - paused > 10:
            print(json.dumps({"error": f"no application failure 10 s after the pause: {failure!r}"}))
            return
        await asyncio.sleep(0.2)
    recorded_after = time.monotonic() - paused
    await handle.unpause(reason="unpaused by the Python client")
    print(
        json.dumps(
            {
                "type": failure.type,
                "message": failure.message,
                "non_retryable": failure.non_retryable,
                "recorded_after_s": recorded_after,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization, as interop.py does: the SDK's native threads can abort it.
    os._exit(0)
