// Runs `protoWorkflow` (protobuf-workflows.ts) twice, on a TypeScript worker whose payload
// converter is @temporalio/common's `DefaultPayloadConverterWithProtobufs` (messages go as
// json/protobuf) and on one with binary/protobuf first, against the Rust workers of
// examples/tests/integration/protobuf_interop.rs. Prints ONE JSON line: what each workflow saw and
// the encodings of the activity payloads in its history.
//
// protobufjs (a dependency of @temporalio/common) loads examples/proto/interop/v1/orders.proto;
// the workflow files are copied with its JSON into a temporary directory for the bundler.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const modules = process.env.TEMPORAL_NODE_MODULES;
if (!modules) {
  throw new Error('TEMPORAL_NODE_MODULES is not set: run `make test-tools` and the test through cargo');
}
const load = (name) => require(require.resolve(name, { paths: [modules] }));
const { NativeConnection, Worker } = load('@temporalio/worker');
const { Client, Connection } = load('@temporalio/client');
const protobuf = load('protobufjs');

function payloadsOf(history) {
  const describe = (payloads) =>
    (payloads || []).map((p) => ({
      encoding: Buffer.from(p.metadata.encoding || []).toString(),
      messageType: Buffer.from(p.metadata.messageType || []).toString(),
    }));
  const calls = new Map();
  for (const event of history.events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      calls.set(String(event.eventId), {
        activity: scheduled.activityType.name,
        queue: scheduled.taskQueue.name,
        input: describe(scheduled.input && scheduled.input.payloads),
      });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      calls.get(String(completed.scheduledEventId)).result = describe(
        completed.result && completed.result.payloads,
      );
    }
  }
  return [...calls.values()];
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      address: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      'json-queue': { type: 'string' },
      'binary-queue': { type: 'string' },
      proto: { type: 'string' },
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protobuf-ts-'));
  for (const file of ['orders-root.js', 'converter-json.js', 'converter-binary.js', 'protobuf-workflows.ts']) {
    fs.copyFileSync(path.join(__dirname, file), path.join(dir, file));
  }
  const orders = protobuf.loadSync(args.proto).toJSON();
  fs.writeFileSync(path.join(dir, 'orders.json'), JSON.stringify(orders));

  const nativeConnection = await NativeConnection.connect({ address: args.address });
  const connection = await Connection.connect({ address: args.address });
  const report = {};
  for (const [sender, converter] of [
    ['typescript_json', 'converter-json.js'],
    ['typescript_binary', 'converter-binary.js'],
  ]) {
    const payloadConverterPath = path.join(dir, converter);
    // Loaded here first, so that a module it cannot find is named (the SDK reports only the path).
    require(payloadConverterPath);
    const taskQueue = `protobuf-ts-${sender}-${process.pid}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: args.namespace,
      taskQueue,
      workflowsPath: path.join(dir, 'protobuf-workflows.ts'),
      dataConverter: { payloadConverterPath },
      bundlerOptions: {
        webpackConfigHook: (config) => {
          config.resolve = config.resolve || {};
          config.resolve.modules = [modules, ...(config.resolve.modules || ['node_modules'])];
          return config;
        },
      },
    });
    const client = new Client({
      connection,
      namespace: args.namespace,
      dataConverter: { payloadConverterPath },
    });
    const workflowId = `protobuf-ts-${sender}-${process.pid}-${Date.now()}`;
    const result = await worker.runUntil(
      client.workflow.execute('protoWorkflow', {
        taskQueue,
        workflowId,
        args: [args['json-queue'], args['binary-queue']],
        workflowExecutionTimeout: '90 seconds',
      }),
    );
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    report[sender] = { result, payloads: payloadsOf(history) };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(report));
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
