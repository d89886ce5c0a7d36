/**
 * The fault-injection matrix (issue 6): every rxllm source × every fault, through the
 * provider's official SDK against the loopback replay server (the provider table is
 * test/support/conformance.ts). Each cell checks the typed error (or a clean completion), that
 * `partial` is exactly what the pure mapper makes of the events the server sent before the
 * fault, that one request was sent (no hidden retry), and that the connection is closed
 * afterwards.
 *
 * One replay server per provider; the providers run concurrently, the cells of one provider one
 * after another, so a cell's "connection closed" is its own. Stalls end through `timeoutIdle`
 * with real, small timeouts.
 */
import { concatMap, delay, of, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta } from '../../src/core/delta.ts';
import { IdleTimeoutError, MalformedChunkError, ProviderError, RxllmError, StreamTruncatedError } from '../../src/core/errors.ts';
import { toAsyncIterable } from '../../src/interop/toAsyncIterable.ts';
import { timeoutIdle } from '../../src/operators/timeoutIdle.ts';
import { type Fault, type ReplayServer, startReplayServer } from '../../src/replay/server.ts';
import { type Connection, faultCaseOf, type ProviderEntry, providers, serve, streamReply } from '../support/conformance.ts';
import { run, snapshotOf, unsubscribeAfter } from '../support/runs.ts';

/** The timeout of the stall cells, in ms (real time). */
const STALL_MS = 150;

/**
 * How long a connection may stay open after a cell that did not abort its request: an idle
 * kept-alive connection closes after the replay server's keep-alive timeout (1 s). A request
 * that must be aborted (stall, unsubscribe) must close its connection within 100 ms.
 */
const IDLE_CLOSE_MS = 1_500;
const ABORT_CLOSE_MS = 100;

/** How a cell's consumer reads the source. */
type Consumer =
  /** subscribes and waits for the end */
  | 'subscribe'
  /** through `timeoutIdle({ first: STALL_MS, idle: STALL_MS })` */
  | 'timeoutIdle'
  /** through `toAsyncIterable`, 2 ms per delta, and `concatMap` with a 1 ms delay per delta */
  | 'slow'
  /** unsubscribes once the deltas of the events before the fault arrived */
  | 'unsubscribe';

/** One row of the matrix: a fault, how it is consumed, and the outcome every provider must give. */
interface FaultRow {
  readonly fault: string;
  /** The fault the server injects, given the provider's mid-stream event count. */
  readonly inject: (mid: number) => Fault | undefined;
  /** The events the server sends before the fault (`all`: the whole stream). */
  readonly sent: (mid: number) => number | 'all';
  readonly consumer: Consumer;
  /** The error class, or `undefined` for a clean completion (or a silent unsubscribe). */
  readonly error?: new (...args: never[]) => RxllmError;
  /** Fields the error must have. */
  readonly fields?: (entry: ProviderEntry) => object;
}

const http = (status: number): FaultRow => ({
  fault: `HTTP ${status}`,
  inject: () => ({ kind: 'http', status }),
  sent: () => 0,
  consumer: 'subscribe',
  error: ProviderError,
  fields: (entry) => ({ provider: entry.provider, status, code: entry.httpCode(status), retryable: status !== 401 }),
});

const faults: readonly FaultRow[] = [
  {
    fault: 'stall before the first event',
    inject: () => ({ kind: 'stall', afterEvents: 0 }),
    sent: () => 0,
    consumer: 'timeoutIdle',
    error: IdleTimeoutError,
    fields: () => ({ phase: 'first', afterMs: STALL_MS, deltaCount: 0 }),
  },
  {
    fault: 'stall mid-stream',
    inject: (mid) => ({ kind: 'stall', afterEvents: mid }),
    sent: (mid) => mid,
    consumer: 'timeoutIdle',
    error: IdleTimeoutError,
    fields: () => ({ phase: 'idle', afterMs: STALL_MS }),
  },
  {
    fault: 'connection dropped mid-stream',
    inject: (mid) => ({ kind: 'drop', afterEvents: mid }),
    sent: (mid) => mid,
    consumer: 'subscribe',
    error: StreamTruncatedError,
    fields: (entry) => ({ provider: entry.provider }),
  },
  {
    fault: 'malformed chunk',
    inject: (mid) => ({ kind: 'malformed', afterEvents: mid }),
    sent: (mid) => mid,
    consumer: 'subscribe',
    error: MalformedChunkError,
    fields: (entry) => ({ provider: entry.provider }),
  },
  {
    fault: 'provider error event',
    inject: (mid) => ({ kind: 'error-event', afterEvents: mid }),
    sent: (mid) => mid,
    consumer: 'subscribe',
    error: ProviderError,
    fields: (entry) => ({ provider: entry.provider, ...entry.errorEvent, retryable: true }),
  },
  http(401),
  http(429),
  http(500),
  http(529),
  { fault: 'slow consumer', inject: () => undefined, sent: () => 'all', consumer: 'slow' },
  {
    fault: 'consumer unsubscribes mid-stream',
    inject: (mid) => ({ kind: 'stall', afterEvents: mid }),
    sent: (mid) => mid,
    consumer: 'unsubscribe',
  },
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads `source` slowly through `toAsyncIterable` (2 ms per delta); resolves with the deltas once it ends. */
async function readSlowly(source: Observable<Delta>): Promise<Delta[]> {
  const deltas: Delta[] = [];
  for await (const delta of toAsyncIterable(source)) {
    deltas.push(delta);
    await sleep(2);
  }
  return deltas;
}

describe.concurrent.each(providers)('$name', (entry) => {
  let server: ReplayServer;
  let connection: Connection;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, connection, close } = await serve(entry));
  });
  afterAll(() => close());

  const c = faultCaseOf(entry);

  it('the mid-stream faults come after content and before the end', () => {
    const m = entry.map(c, entry.midStream);
    expect(m.deltas.some((d) => d.type === 'text' || d.type === 'reasoning')).toBe(true);
    expect(m.done).toBe(false);
  });

  it.each(faults)('$fault', { concurrent: false }, async (row) => {
    const fault = row.inject(entry.midStream);
    server.reply(streamReply(c, fault === undefined ? {} : { fault }));
    const requests = server.requests.length;
    const sent = row.sent(entry.midStream);
    const expected = entry.map(c, sent === 'all' ? undefined : sent).deltas;
    const source = connection.source(c);

    switch (row.consumer) {
      case 'slow': {
        const deltas = await readSlowly(source);
        expect(deltas).toEqual(expected);
        expect(snapshotOf(deltas)).toMatchObject({ text: c.expect.text, reasoning: c.expect.reasoning, finishRaw: c.expect.finishReason });
        // and the same through concatMap with a delay per delta
        const delayed = await run(source.pipe(concatMap((d) => of(d).pipe(delay(1)))));
        expect(delayed).toEqual({ deltas: expected, snapshot: snapshotOf(expected), error: undefined, completed: true });
        expect(server.requests.length - requests).toBe(2);
        break;
      }
      case 'unsubscribe': {
        const { deltas } = await unsubscribeAfter(source, expected.length);
        expect(deltas).toEqual(expected);
        await server.waitForSocketsClosed(ABORT_CLOSE_MS);
        expect(server.requests.length - requests).toBe(1);
        break;
      }
      default: {
        const r = await run(row.consumer === 'timeoutIdle' ? source.pipe(timeoutIdle({ first: STALL_MS, idle: STALL_MS })) : source);
        expect(r.error).toBeInstanceOf(row.error);
        expect(r.error).toMatchObject(row.fields?.(entry) ?? {});
        expect(r.deltas).toEqual(expected);
        expect((r.error as RxllmError).partial).toEqual(snapshotOf(expected));
        const message = (r.error as Error).message;
        expect(message).not.toMatch(/\.\./);
        expect(message).toMatch(/\.$/);
        expect(server.requests.length - requests).toBe(1);
      }
    }
    await server.waitForSocketsClosed(row.consumer === 'timeoutIdle' ? ABORT_CLOSE_MS : IDLE_CLOSE_MS);
  });

  it('no server (connection refused): a retryable ProviderError without partial, saying what to do', async () => {
    const gone = await startReplayServer(undefined, { record: true });
    await gone.close();
    const offline = await entry.connect(gone.url);
    try {
      const r = await run(offline.source(c));
      expect(r.deltas).toEqual([]);
      expect(r.error).toBeInstanceOf(ProviderError);
      expect(r.error).toMatchObject({ provider: entry.provider, status: undefined, retryable: true, partial: undefined });
      const message = (r.error as Error).message;
      expect(message).toMatch(/ECONNREFUSED/);
      expect(message).toMatch(/again may succeed\.$/);
      expect(message).not.toMatch(/\.\./);
    } finally {
      offline.close();
    }
  });
});
