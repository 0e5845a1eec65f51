/**
 * A TypeScript workflow (@temporalio/workflow 1.24) that calls the example Rust activities through
 * the keyword callers and the declarations `activity-contract typescript` generated from their
 * contract (the folder `rust-activities` beside this file), checked with `tsc --noEmit --strict`. Bundled and run by
 * `run_typed_workflow.js` against the Rust worker of `activity-contract/tests/callers/typescript.rs`.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type * as positional from './rust-activities/activities';
import type { Order, Quote } from './rust-activities/activities';
import { proxyKeywordActivities } from './rust-activities/callers';

export async function typedCallers(taskQueue: string): Promise<Record<string, unknown>> {
  const options: ActivityOptions = {
    taskQueue,
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  };
  // Keyword callers: each argument by name, checked at its own property.
  const rust = proxyKeywordActivities(options);
  // Positional, through the declarations, for `proxyActivities<typeof positional>()`.
  const activities = proxyActivities<typeof positional>(options);
  const greeting: string = await activities.say_hello('World');
  const order: Order = {
    customer: { name: 'Ada', email: null },
    lines: [{ sku: 'tea', quantity: 3, unit_price_cents: 250 }],
    priority: 'express',
    delivery: { method: 'ship', address: '1 Loop Road' },
  };
  const quote: Quote = await rust.quote_order({ order, coupon: 'TENOFF', gift_note: 'Enjoy!' }); // the checked argument
  // The `Option` tail left out, by name and positionally.
  const plainByName: Quote = await rust.quote_order({ order });
  const plain: Quote = await activities.quote_order(order);
  const reversed: Uint8Array = await rust.reverse_bytes({ data: new Uint8Array([0x00, 0x01, 0xfe, 0xff]) });
  // A method activity of `Inventory`.
  const left: number = await activities.reserve('tea', 2); // the checked positional argument
  // A protobuf message: its proto3 JSON object in; a protobufjs message back, read by the
  // worker's `DefaultPayloadConverterWithProtobufs`.
  const receipt = await rust.accept_order({
    order: {
      orderId: 'o-ts',
      items: ['kettle', 'mug'],
      quantity: '3',
      placedAt: '2027-01-15T08:00:00Z',
      shipWithin: '90s',
      priority: 'PRIORITY_EXPRESS',
    },
  });
  // The dynamic activity has no declaration: by name, untyped.
  const byName = proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>(options);
  const legacy = await byName.greet_v1('TypeScript');
  return {
    greeting,
    quote,
    plainTotalCents: plain.total_cents,
    plainGiftNote: plain.gift_note ?? null,
    plainByNameTotalCents: plainByName.total_cents,
    plainByNameGiftNote: plainByName.gift_note ?? null,
    reversed: {
      tag: Object.prototype.toString.call(reversed),
      hex: Array.from(reversed, (b) => b.toString(16).padStart(2, '0')).join(''),
    },
    left,
    legacy,
    receipt: {
      orderId: receipt['orderId'],
      totalItems: String(receipt['totalItems']),
      priority: receipt['priority'],
    },
  };
}
