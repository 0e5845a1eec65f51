// Runs the TypeScript workflow `callRust` (workflows.ts) on a TypeScript worker
// (@temporalio/worker 1.24) against the Rust activities served on --activity-task-queue, then
// starts the Rust activity `three_args` as a standalone activity from the TypeScript client.
// Prints ONE JSON line with what TypeScript saw. Run by tests/integration/typescript_interop.rs:
//
//   TEMPORAL_NODE_MODULES=.tools/ts/node_modules node interop.js --address 127.0.0.1:7233 \
//       --activity-task-queue rust-q --workflow-task-queue ts-q
//
// The packages are not installed next to this file but in the tools folder (`make tools`), so
// they are loaded from TEMPORAL_NODE_MODULES, and the workflow bundler resolves from there too.
'use strict';

const path = require('node:path');
const { parseArgs } = require('node:util');

const modules = process.env.TEMPORAL_NODE_MODULES;
if (!modules) {
  throw new Error('TEMPORAL_NODE_MODULES is not set: run `make tools` and the test through cargo');
}
const load = (name) => require(require.resolve(name, { paths: [modules] }));
const { NativeConnection, Worker } = load('@temporalio/worker');
const { Client, Connection } = load('@temporalio/client');

async function main() {
  const { values: args } = parseArgs({
    options: {
      address: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      'activity-task-queue': { type: 'string' },
      'workflow-task-queue': { type: 'string' },
    },
  });
  const activityQueue = args['activity-task-queue'];
  const workflowQueue = args['workflow-task-queue'];

  const nativeConnection = await NativeConnection.connect({ address: args.address });
  const bundleStarted = Date.now();
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: args.namespace,
    taskQueue: workflowQueue,
    workflowsPath: path.join(__dirname, 'workflows.ts'),
    bundlerOptions: {
      webpackConfigHook: (config) => {
        config.resolve = config.resolve || {};
        config.resolve.modules = [modules, ...(config.resolve.modules || ['node_modules'])];
        return config;
      },
    },
  });
  const bundleMs = Date.now() - bundleStarted;

  const connection = await Connection.connect({ address: args.address });
  const client = new Client({ connection, namespace: args.namespace });
  const suffix = `${process.pid}-${Date.now()}`;
  const workflowStarted = Date.now();
  const workflow = await worker.runUntil(
    client.workflow.execute('callRust', {
      taskQueue: workflowQueue,
      workflowId: `typescript-interop-${suffix}`,
      args: [activityQueue],
      workflowExecutionTimeout: '90 seconds',
    }),
  );
  const workflowMs = Date.now() - workflowStarted;

  // A standalone activity (no workflow), started by the TypeScript client.
  let standalone;
  try {
    const result = await client.activity.execute('three_args', {
      id: `typescript-standalone-${suffix}`,
      taskQueue: activityQueue,
      args: ['gadget', 2, ['z', 'y']],
      startToCloseTimeout: '30 seconds',
    });
    standalone = { result };
  } catch (err) {
    standalone = { error: `${err.name}: ${err.message}`, cause: String(err.cause) };
  }

  console.log(JSON.stringify({ workflow, standalone, bundleMs, workflowMs }));
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
