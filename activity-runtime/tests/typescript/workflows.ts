/**
 * A TypeScript workflow (@temporalio/workflow 1.24) that calls Rust activities by name: an object
 * argument, several positional arguments, bytes both ways, and a typed failure with details.
 * Bundled by `interop.js` (the worker's webpack + swc), run against the Rust worker of
 * `tests/integration/typescript_interop.rs`.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';

type RustActivities = Record<string, (...args: any[]) => Promise<any>>;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function callRust(taskQueue: string): Promise<Record<string, unknown>> {
  const rust = proxyActivities<RustActivities>({
    taskQueue,
    startToCloseTimeout: '30 seconds',
    // Retries stay on (a few, quickly) so that `non_retryable` from Rust is what stops them.
    retry: { initialInterval: '200 milliseconds', maximumAttempts: 3 },
  });

  const greeting: string = await rust.your_activity({ greeting: 'Hello', name: 'TypeScript' });
  const summary = await rust.three_args('widget', 3, ['b', 'a', 'c']);
  const reversed: Uint8Array = await rust.reverse_bytes(new Uint8Array([0x00, 0x01, 0xfe, 0xff]));

  let failure: Record<string, unknown>;
  try {
    failure = { unexpectedSuccess: await rust.charge_card(1999) };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    failure =
      cause instanceof ApplicationFailure
        ? {
            errorClass: err instanceof ActivityFailure ? 'ActivityFailure' : String(err),
            causeClass: 'ApplicationFailure',
            type: cause.type,
            message: cause.message,
            nonRetryable: cause.nonRetryable,
            details: cause.details,
          }
        : { unexpected: String(err), cause: String(cause) };
  }

  return {
    greeting,
    summary,
    reversed: { tag: Object.prototype.toString.call(reversed), hex: hex(reversed) },
    failure,
  };
}
