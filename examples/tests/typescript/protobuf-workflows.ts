/**
 * A TypeScript workflow (@temporalio/workflow 1.24) that sends protobufjs messages to Rust
 * activities and reads their answers as protobufjs messages: `interop.v1.Order` (with a
 * Timestamp and a Duration inside) to `accept_order`, and the Temporal API's
 * `temporal.api.common.v1.WorkflowExecution` to `locate_run`, on a Rust worker answering
 * json/protobuf and on one answering binary/protobuf. Bundled by `protobuf.js`.
 */
import { proxyActivities } from '@temporalio/workflow';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const root = require('./orders-root');

type RustActivities = Record<string, (...args: any[]) => Promise<any>>;

function describe(message: any): Record<string, unknown> {
  return {
    type: message?.$type?.fullName ?? null,
    value: message?.$type ? message.$type.toObject(message, { longs: String, enums: String }) : message,
  };
}

export async function protoWorkflow(jsonQueue: string, binaryQueue: string): Promise<Record<string, unknown>> {
  const Order = root.lookupType('interop.v1.Order');
  const WorkflowExecution = root.lookupType('temporal.api.common.v1.WorkflowExecution');
  const order = Order.create({
    orderId: 'o-ts',
    items: ['kettle', 'mug', 'tray'],
    quantity: 2,
    placedAt: { seconds: 1800000000, nanos: 250000000 },
    shipWithin: { seconds: 90, nanos: 500000000 },
    priority: 2,
  });
  const execution = WorkflowExecution.create({ workflowId: 'wf-ts', runId: 'run-ts' });
  const report: Record<string, unknown> = {};
  for (const [name, taskQueue] of [
    ['json_worker', jsonQueue],
    ['binary_worker', binaryQueue],
  ]) {
    const rust = proxyActivities<RustActivities>({
      taskQueue,
      startToCloseTimeout: '30 seconds',
      retry: { maximumAttempts: 1 },
    });
    report[name] = {
      receipt: describe(await rust.accept_order(order)),
      execution: describe(await rust.locate_run(execution)),
    };
  }
  return report;
}
