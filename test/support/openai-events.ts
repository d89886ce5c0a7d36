/**
 * Test helpers for the OpenAI mappers: a fixture's SSE events as eventsource-parser gives them,
 * and a mapper run over them.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Delta, Snapshot } from '../../src/core/delta.ts';
import { SnapshotBuilder } from '../../src/core/snapshot-builder.ts';
import { expect } from 'vitest';
import { ProviderError } from '../../src/core/errors.ts';
import type { FixtureCase, FixtureExpect } from './fixtures.ts';

/** The case's SSE events: parsed from the byte-exact body when recorded, else from the `.jsonl` lines. */
export function sseEvents(c: FixtureCase): EventSourceMessage[] {
  if (!c.parts) {
    return c.events.map((e: any) => ({ event: e.event, id: undefined, data: typeof e.data === 'string' ? e.data : JSON.stringify(e.data) }));
  }
  const out: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => out.push(e) });
  const decoder = new TextDecoder();
  for (const part of c.parts) parser.feed(decoder.decode(part, { stream: true }));
  return out;
}

/** What a mapper gave for a list of events: the deltas, the error it threw (if any), and whether it was done. */
export interface MapResult {
  readonly deltas: Delta[];
  readonly error: unknown;
  readonly done: boolean;
  readonly snapshot: Snapshot;
}

/** Feeds `events` one by one to a mapper built on a collecting sink; stops at the first throw. */
export function runMapper(
  events: readonly EventSourceMessage[],
  create: (out: { next(d: Delta): void }) => { onEvent(e: EventSourceMessage): void; readonly done: boolean },
): MapResult {
  const deltas: Delta[] = [];
  const mapper = create({ next: (d) => deltas.push(d) });
  let error: unknown;
  for (const event of events) {
    try {
      mapper.onEvent(event);
    } catch (err) {
      error = err;
      break;
    }
  }
  return { deltas, error, done: mapper.done, snapshot: accumulateAll(deltas) };
}

/** The snapshot after every delta, as `accumulate()` would end with. */
export function accumulateAll(deltas: readonly Delta[]): Snapshot {
  const b = new SnapshotBuilder();
  for (const d of deltas) b.apply(d);
  return b.snapshot();
}

/** An SSE event with JSON `data`, as the parser gives it. */
export function sse(data: unknown, event?: string): EventSourceMessage {
  return { event, id: undefined, data: typeof data === 'string' ? data : JSON.stringify(data) };
}

/** The calls of a snapshot in index.json's `toolCalls` shape. */
export function callsOf(s: Snapshot): { id: string; name: string; arguments: string }[] {
  return s.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.argsText }));
}

/**
 * The checks every recorded OpenAI case shares: the snapshot's text, reasoning and tool calls are
 * index.json's `expect`, every call ended with its arguments parsed; an error case failed with a
 * `ProviderError` of the expected code and no finish.
 */
export function expectRecorded(s: Snapshot, error: unknown, x: FixtureExpect): void {
  expect(s.text).toBe(x.text);
  expect(s.reasoning).toBe(x.reasoning);
  expect(callsOf(s)).toEqual(x.toolCalls);
  for (const call of s.toolCalls) {
    expect(call.complete).toBe(true);
    expect(call.args).toEqual(JSON.parse(call.argsText));
  }
  if (x.error === null) {
    expect(error).toBeUndefined();
    expect(s.finishRaw).toBe(x.finishReason);
  } else {
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe(x.error);
    expect(s.finishReason).toBeUndefined();
  }
}
