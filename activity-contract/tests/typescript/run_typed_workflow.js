// Runs the TypeScript workflow `typedCallers` (typed_workflow.ts, copied beside the generated
// `rust-activities/` by the test) on a TypeScript worker (@temporalio/worker 1.24) against the Rust
// activities on --activity-task-queue, and prints ONE JSON line with what it returned.
//
//   TEMPORAL_NODE_MODULES=.tools/ts/node_modules node run_typed_workflow.js \
//       --workflows DIR/typed_workflow.ts --address 127.0.0.1:7233 \
//       --activity-task-queue rust-q --workflow-task-queue ts-q \
//       --payload-converter DIR/converter-json.js --proto examples/proto/interop/v1/orders.proto
//
// With --payload-converter (@temporalio/common's `DefaultPayloadConverterWithProtobufs`, as
// examples/tests/typescript/converter-json.js makes it, with orders-root.js beside it), the worker
// and the client read `json/protobuf` results; protobufjs loads --proto into orders.json beside it.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { parseArgs } = require('node:util');

const modules = process.env.TEMPORAL_NODE_MODULES;
if (!modules) {
  throw new Error('TEMPORAL_NODE_MODULES is not set: run the test through cargo');
}
const load = (name) => require(require.resolve(name, { paths: [modules] }));
const { NativeConnection, Worker } = load('@temporalio/worker');
const { Client, Connection } = load('@temporalio/client');

async function main() {
  const { values: args } = parseArgs({
    options: {
      workflows: { type: 'string' },
      address: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      'activity-task-queue': { type: 'string' },
      'workflow-task-queue': { type: 'string' },
      'payload-converter': { type: 'string' },
      proto: { type: 'string' },
    },
  });
  const payloadConverterPath = args['payload-converter'];
  if (payloadConverterPath) {
    const orders = load('protobufjs').loadSync(args.proto).toJSON();
    fs.writeFileSync(path.join(path.dirname(payloadConverterPath), 'orders.json'), JSON.stringify(orders));
    // Loaded here first, so that a module it cannot find is named (the SDK reports only the path).
    require(payloadConverterPath);
  }
  const dataConverter = payloadConverterPath ? { payloadConverterPath } : undefined;
  const workflowQueue = args['workflow-task-queue'];
  const nativeConnection = await NativeConnection.connect({ address: args.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: args.namespace,
    taskQueue: workflowQueue,
    workflowsPath: args.workflows,
    dataConverter,
    bundlerOptions: {
      webpackConfigHook: (config) => {
        config.resolve = config.resolve || {};
        config.resolve.modules = [modules, ...(config.resolve.modules || ['node_modules'])];
        return config;
      },
    },
  });
  const connection = await Connection.connect({ address: args.address });
  const client = new Client({ connection, namespace: args.namespace, dataConverter });
  const result = await worker.runUntil(
    client.workflow.execute('typedCallers', {
      taskQueue: workflowQueue,
      workflowId: `typed-callers-${process.pid}-${Date.now()}`,
      args: [args['activity-task-queue']],
      workflowExecutionTimeout: '90 seconds',
    }),
  );
  console.log(JSON.stringify(result));
  await connection.close();
  await nativeConnection.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
