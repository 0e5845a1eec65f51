// Runs the TypeScript workflow `helloRust` (workflows.ts) once against the Rust activities of the
// example worker and prints the lines it returns:
//
//   cargo run -p examples --bin worker        # the Rust worker, task queue `hello-activities`
//   cd examples/typescript && npm ci && node run.js
//
// It prints:
//
//   say_hello -> Hello, World!
//   your_activity -> Hi, TypeScript!
//   count_words -> 9
//   import_rows -> 200 rows; attempt 2 resumed at row 120
//
// Options: --address (default TEMPORAL_ADDRESS or localhost:7233), --namespace,
// --rust-task-queue (default hello-activities), --workflow-task-queue (default
// hello-workflows-ts). With TEMPORAL_NODE_MODULES set, the packages are loaded from there instead
// of ./node_modules (the test of this example uses the copy `make tools` installs in .tools/ts).
'use strict';

const path = require('node:path');
const { parseArgs } = require('node:util');

const modules = process.env.TEMPORAL_NODE_MODULES || path.join(__dirname, 'node_modules');
const load = (name) => require(require.resolve(name, { paths: [modules] }));
const { NativeConnection, Worker } = load('@temporalio/worker');
const { Client, Connection } = load('@temporalio/client');

async function main() {
  const { values: args } = parseArgs({
    options: {
      address: { type: 'string', default: process.env.TEMPORAL_ADDRESS || 'localhost:7233' },
      namespace: { type: 'string', default: process.env.TEMPORAL_NAMESPACE || 'default' },
      'rust-task-queue': { type: 'string', default: 'hello-activities' },
      'workflow-task-queue': { type: 'string', default: 'hello-workflows-ts' },
    },
  });
  const workflowQueue = args['workflow-task-queue'];

  // This process runs the workflow (a TypeScript worker on its own task queue, with no
  // activities); the Rust worker runs the activities.
  const nativeConnection = await NativeConnection.connect({ address: args.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: args.namespace,
    taskQueue: workflowQueue,
    workflowsPath: path.join(__dirname, 'workflows.ts'),
    bundlerOptions: {
      // Resolve @temporalio/workflow where the packages are.
      webpackConfigHook: (config) => {
        config.resolve = config.resolve || {};
        config.resolve.modules = [modules, ...(config.resolve.modules || ['node_modules'])];
        return config;
      },
    },
  });

  const connection = await Connection.connect({ address: args.address });
  const client = new Client({ connection, namespace: args.namespace });
  const lines = await worker.runUntil(
    client.workflow.execute('helloRust', {
      taskQueue: workflowQueue,
      workflowId: `hello-rust-ts-${process.pid}-${Date.now()}`,
      args: [args['rust-task-queue'], 'World'],
      workflowExecutionTimeout: '2 minutes',
    }),
  );
  for (const line of lines) {
    console.log(line);
  }
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
