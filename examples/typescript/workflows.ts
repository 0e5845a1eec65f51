/**
 * A TypeScript workflow (@temporalio/workflow 1.24) that calls the Rust activities of the example
 * worker (`cargo run -p examples --bin worker`, task queue `hello-activities`) by name. `run.js`
 * bundles it, runs it on a TypeScript worker and prints its result.
 */
import { proxyActivities } from '@temporalio/workflow';

/** Arrives in Rust as `examples::YourParams`. */
interface YourParams {
  greeting: string;
  name: string;
}

/** What the Rust `import_rows` returns (`examples::resumable::ImportReport`). */
interface ImportReport {
  rows: number;
  resumed_at: number;
  attempt: number;
}

/** The Rust activities' signatures, for type checking: one parameter per Rust argument. */
interface RustActivities {
  say_hello(name: string): Promise<string>;
  your_activity(params: YourParams): Promise<string>;
  count_words(text: string): Promise<number>;
  import_rows(rows: number, failFirstAttemptAt: number | null): Promise<ImportReport>;
}

export async function helloRust(rustTaskQueue: string, name: string): Promise<string[]> {
  // `taskQueue`: the queue the Rust worker polls. Without it the activities would be scheduled on
  // this workflow's own task queue, where no Rust worker polls.
  const rust = proxyActivities<RustActivities>({
    taskQueue: rustTaskQueue,
    startToCloseTimeout: '30 seconds',
  });
  // The blocking, heartbeating one: a heartbeat timeout, and quick retries so that the resume
  // after the (deliberate) failure at row 120 shows at once.
  const importer = proxyActivities<RustActivities>({
    taskQueue: rustTaskQueue,
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '200 milliseconds' },
  });

  const hello = await rust.say_hello(name);
  const composed = await rust.your_activity({ greeting: 'Hi', name: 'TypeScript' });
  const words = await rust.count_words('the quick brown fox jumps over the lazy dog');
  const report = await importer.import_rows(200, 120);
  return [
    `say_hello -> ${hello}`,
    `your_activity -> ${composed}`,
    `count_words -> ${words}`,
    `import_rows -> ${report.rows} rows; attempt ${report.attempt} resumed at row ${report.resumed_at}`,
  ];
}
