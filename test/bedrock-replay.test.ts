/**
 * fromBedrock against the official SDK (`@aws-sdk/client-bedrock-runtime`, its default HTTP/2
 * handler, and HTTP/1.1 via NodeHttpHandler) talking to the loopback replay server: every
 * recorded stream byte-exact and re-chunked, faults, HTTP errors, and the Converse path.
 */
import { BedrockRuntimeClient, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Observable, Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';
import { ConverseStreamMapper, metadataDelta } from '../src/providers/bedrock/decode-stream.ts';
import { fromBedrock } from '../src/providers/bedrock/index.ts';
import { type Fault, type ReplayServer, type Reply, startReplayServer } from '../src/replay/server.ts';
import { converseResponseOf } from './support/bedrock-nonstream.ts';
import { type FixtureCase, listCases, loadCase, streamReply } from './support/fixtures.ts';
import { run } from './support/runs.ts';

const cases = listCases('bedrock');
const textCase = loadCase('bedrock/text');

type Transport = 'http2' | 'http1';

function newClient(url: string, transport: Transport): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    ...(transport === 'http1' ? { requestHandler: new NodeHttpHandler() } : {}),
  });
}

/** A path segment as the SDK encodes it (RFC 3986: also `!'()*`). */
function pathSegment(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function inputOf(c: FixtureCase) {
  return { modelId: c.model, messages: [{ role: 'user' as const, content: [{ text: 'Hello' }] }] };
}


/** The deltas the pure mapper gives for recorded events (the first `count`, or all). */
function mapped(c: FixtureCase, count = c.events.length): Delta[] {
  const deltas: Delta[] = [];
  const mapper = new ConverseStreamMapper({ next: (d) => deltas.push(d) }, metadataDelta(c.model, undefined));
  for (const event of c.events.slice(0, count)) mapper.onEvent(event as ConverseStreamOutput);
  return deltas;
}

function snapshotOf(deltas: readonly Delta[]): Snapshot {
  const builder = new SnapshotBuilder();
  for (const d of deltas) builder.apply(d);
  return builder.snapshot();
}



/** Subscribes and resolves once `n` deltas arrived, with the subscription and what ended it (if anything). */
async function subscribeUntil(source: Observable<Delta>, n: number): Promise<{ sub: Subscription; deltas: Delta[]; ended: unknown[] }> {
  const deltas: Delta[] = [];
  const ended: unknown[] = [];
  let reached!: () => void;
  const got = new Promise<void>((resolve) => (reached = resolve));
  const sub = source.subscribe({
    next(d) {
      deltas.push(d);
      if (deltas.length === n) reached();
    },
    error: (e: unknown) => ended.push(e),
    complete: () => ended.push('complete'),
  });
  await got;
  return { sub, deltas, ended };
}

/** A fresh server and client, for tests that count the server's open sockets. */
async function fresh(transport: Transport, reply: Reply) {
  const server = await startReplayServer(reply, { http2: transport === 'http2', record: true });
  const client = newClient(server.url, transport);
  return {
    server,
    client,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

const transports: Transport[] = ['http2', 'http1'];
const servers = {} as Record<Transport, ReplayServer>;
const clients = {} as Record<Transport, BedrockRuntimeClient>;

beforeAll(async () => {
  for (const t of transports) {
    servers[t] = await startReplayServer(undefined, { http2: t === 'http2', record: true });
    clients[t] = newClient(servers[t].url, t);
  }
});

afterAll(async () => {
  for (const t of transports) {
    clients[t].destroy();
    await servers[t].close();
  }
});

describe('fromBedrock replays every recorded stream through the SDK', () => {
  for (const c of cases) {
    const chunkings: [Transport, 'event' | 'random' | 'whole', number][] = [
      ['http2', 'event', 1],
      ['http2', 'random', 1],
      ['http2', 'random', 2],
      ['http2', 'whole', 1],
      ['http1', 'random', 3],
    ];
    for (const [transport, chunking, seed] of chunkings) {
      it(`${c.id} over ${transport}, ${chunking} writes${chunking === 'random' ? ` (seed ${seed})` : ''}`, async () => {
        servers[transport].reply(streamReply(c, { chunking, seed }));
        const { deltas, error } = await run(fromBedrock(clients[transport], inputOf(c)));
        expect(error).toBeUndefined();
        expect(deltas).toEqual(mapped(c));
        const s = snapshotOf(deltas);
        expect(s.text).toBe(c.expect.text);
        expect(s.reasoning).toBe(c.expect.reasoning);
        expect(s.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.argsText }))).toEqual(c.expect.toolCalls);
        expect(s.finishRaw).toBe(c.expect.finishReason);
        const request = servers[transport].requests.at(-1)!;
        expect(request.method).toBe('POST');
        expect(request.path).toBe(`/model/${pathSegment(c.model)}/converse-stream`);
        expect(request.body).toEqual({ messages: inputOf(c).messages });
      });
    }
  }

  it('is cold: no request before subscribe, one per subscription', async () => {
    const server = servers.http2;
    server.reply(streamReply(textCase));
    const before = server.requests.length;
    const source = fromBedrock(clients.http2, inputOf(textCase));
    await new Promise((r) => setTimeout(r, 20));
    expect(server.requests.length).toBe(before);
    const [a, b] = await Promise.all([run(source), run(source)]);
    expect(server.requests.length).toBe(before + 2);
    expect(snapshotOf(a.deltas).text).toBe(textCase.expect.text);
    expect(snapshotOf(b.deltas).text).toBe(textCase.expect.text);
  });
});

describe('fromBedrock with stream: false (ConverseCommand)', () => {
  for (const c of cases) {
    it(`${c.id}: the same final snapshot as the streamed response`, async () => {
      const server = servers.http2;
      server.reply(streamReply(c));
      const streamed = await run(fromBedrock(clients.http2, inputOf(c)));
      server.reply({ kind: 'json', body: converseResponseOf(c.events) });
      const whole = await run(fromBedrock(clients.http2, inputOf(c), { stream: false }));
      expect(whole.error).toBeUndefined();
      expect(server.requests.at(-1)!.path).toBe(`/model/${pathSegment(c.model)}/converse`);
      expect({ ...snapshotOf(whole.deltas), deltaCount: 0 }).toEqual({ ...snapshotOf(streamed.deltas), deltaCount: 0 });
      expect(whole.deltas.at(-2)?.type).toBe('finish');
    });
  }

  it('an HTTP error is a ProviderError', async () => {
    servers.http2.reply(streamReply(textCase, { fault: { kind: 'http', status: 429 } }));
    const { deltas, error } = await run(fromBedrock(clients.http2, inputOf(textCase), { stream: false }));
    expect(deltas).toEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'bedrock', status: 429, code: 'ThrottlingException', retryable: true, partial: undefined });
  });
});

describe('fromBedrock under faults', () => {
  for (const transport of transports) {
    it(`${transport}: unsubscribing mid-stream closes the connection within 100 ms`, async () => {
      const f = await fresh(transport, streamReply(textCase, { fault: { kind: 'stall', afterEvents: 5 } }));
      try {
        const { sub, deltas, ended } = await subscribeUntil(fromBedrock(f.client, inputOf(textCase)), 5);
        expect(f.server.openSockets()).toBeGreaterThan(0);
        sub.unsubscribe();
        await f.server.waitForSocketsClosed(100);
        await new Promise((r) => setTimeout(r, 20));
        expect(ended).toEqual([]);
        expect(deltas.map((d) => d.type)).toEqual(['metadata', 'text', 'text', 'text', 'text']);
      } finally {
        await f.close();
      }
    });

    it(`${transport}: unsubscribing before the first event closes the connection within 100 ms`, async () => {
      const f = await fresh(transport, streamReply(textCase, { fault: { kind: 'stall', afterEvents: 0 } }));
      try {
        const ended: unknown[] = [];
        const sub = fromBedrock(f.client, inputOf(textCase)).subscribe({ error: (e: unknown) => ended.push(e), complete: () => ended.push('complete') });
        await f.server.waitForRequests(1);
        sub.unsubscribe();
        await f.server.waitForSocketsClosed(100);
        expect(ended).toEqual([]);
      } finally {
        await f.close();
      }
    });

    it(`${transport}: aborting options.signal mid-stream errors with the signal's reason and closes the connection`, async () => {
      const f = await fresh(transport, streamReply(textCase, { fault: { kind: 'stall', afterEvents: 5 } }));
      try {
        const controller = new AbortController();
        const { ended } = await subscribeUntil(fromBedrock(f.client, inputOf(textCase), { signal: controller.signal }), 5);
        const reason = new Error('user stopped');
        controller.abort(reason);
        await f.server.waitForSocketsClosed(100);
        await expect.poll(() => ended).toHaveLength(1);
        expect(ended[0]).toBe(reason);
      } finally {
        await f.close();
      }
    });

    it(`${transport}: a connection dropped mid-stream is a StreamTruncatedError with the text so far`, async () => {
      servers[transport].reply(streamReply(textCase, { fault: { kind: 'drop', afterEvents: 6 } }));
      const { deltas, error } = await run(fromBedrock(clients[transport], inputOf(textCase)));
      expect(error).toBeInstanceOf(StreamTruncatedError);
      const partial = (error as StreamTruncatedError).partial!;
      expect(partial.text).toBe(snapshotOf(mapped(textCase, 6)).text);
      expect(partial.text).toBe('The capital of France is Paris. Paris is not only the capital city but also the most');
      expect(partial).toEqual(snapshotOf(deltas));
    });

    it(`${transport}: a malformed frame is a MalformedChunkError with the text so far`, async () => {
      servers[transport].reply(streamReply(textCase, { fault: { kind: 'malformed', afterEvents: 4 } }));
      const { error } = await run(fromBedrock(clients[transport], inputOf(textCase)));
      expect(error).toBeInstanceOf(MalformedChunkError);
      expect(error).toMatchObject({ provider: 'bedrock', line: expect.stringMatching(/checksum/) });
      expect((error as MalformedChunkError).partial?.text).toBe(snapshotOf(mapped(textCase, 4)).text);
    });
  }

  it('http2: a connection dropped inside a frame is a StreamTruncatedError', async () => {
    const parts = textCase.parts!;
    const cut = [...parts.slice(0, 6), parts[6]!.subarray(0, 20)];
    servers.http2.reply({ format: 'bedrock', parts: cut, fault: { kind: 'drop', afterEvents: 7 } });
    const { error } = await run(fromBedrock(clients.http2, inputOf(textCase)));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe(snapshotOf(mapped(textCase, 6)).text);
  });

  it('http2: a stream that ends cleanly without messageStop is a StreamTruncatedError', async () => {
    const events = textCase.events.slice(0, -2);
    servers.http2.reply({ format: 'bedrock', events });
    const { error } = await run(fromBedrock(clients.http2, inputOf(textCase)));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe(textCase.expect.text);
  });

  it('http2: a drop after messageStop completes; only the usage is lost', async () => {
    servers.http2.reply(streamReply(textCase, { fault: { kind: 'drop', afterEvents: textCase.events.length - 1 } }));
    const { deltas, error } = await run(fromBedrock(clients.http2, inputOf(textCase)));
    expect(error).toBeUndefined();
    expect(deltas.at(-1)).toEqual({ type: 'finish', reason: 'stop', raw: 'end_turn' });
  });

  it('a drop before the first event is typed too', async () => {
    servers.http2.reply(streamReply(textCase, { fault: { kind: 'drop', afterEvents: 0 } }));
    const { deltas, error } = await run(fromBedrock(clients.http2, inputOf(textCase)));
    expect(deltas).toEqual([]);
    // the SDK reports "TimeoutError: http2 request did not get a response": a retryable failure
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'bedrock', retryable: true, partial: undefined });
  });

  const exceptions: [string, boolean][] = [
    ['throttlingException', true],
    ['internalServerException', true],
    ['serviceUnavailableException', true],
    ['modelStreamErrorException', true],
    ['modelTimeoutException', true],
    ['validationException', false],
  ];
  for (const [member, retryable] of exceptions) {
    it(`an exception event ${member} is a ProviderError (retryable ${retryable}) with the text so far`, async () => {
      const event = { [member]: { message: `${member} (replayed)` } };
      servers.http2.reply(streamReply(textCase, { fault: { kind: 'error-event', afterEvents: 5, event } }));
      const { error } = await run(fromBedrock(clients.http2, inputOf(textCase)));
      expect(error).toBeInstanceOf(ProviderError);
      const code = member[0]!.toUpperCase() + member.slice(1);
      expect(error).toMatchObject({ provider: 'bedrock', code, retryable });
      expect((error as ProviderError).message).toContain(`${member} (replayed)`);
      expect((error as ProviderError).partial?.text).toBe(snapshotOf(mapped(textCase, 5)).text);
    });
  }

  it('the default error event (modelStreamErrorException with originalStatusCode) keeps the status', async () => {
    servers.http2.reply(streamReply(textCase, { fault: { kind: 'error-event', afterEvents: 3 } }));
    const { error } = await run(fromBedrock(clients.http2, inputOf(textCase)));
    expect(error).toMatchObject({ code: 'ModelStreamErrorException', status: 500, retryable: true });
  });

  const statuses: [number, string, boolean][] = [
    [403, 'UnrecognizedClientException', false],
    [400, 'ValidationException', false],
    [429, 'ThrottlingException', true],
    [500, 'InternalServerException', true],
  ];
  for (const transport of transports) {
    for (const [status, code, retryable] of statuses) {
      it(`${transport}: HTTP ${status} is a ProviderError ${code} (retryable ${retryable})`, async () => {
        servers[transport].reply(streamReply(textCase, { fault: { kind: 'http', status } as Fault }));
        const { deltas, error } = await run(fromBedrock(clients[transport], inputOf(textCase)));
        expect(deltas).toEqual([]);
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).toMatchObject({ provider: 'bedrock', status, code, retryable, partial: undefined });
      });
    }
  }

  it('a refused connection is a retryable ProviderError', async () => {
    const server = await startReplayServer(undefined, { http2: true, record: true });
    const url = server.url;
    await server.close();
    const client = newClient(url, 'http2');
    try {
      const { error } = await run(fromBedrock(client, inputOf(textCase)));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: 'bedrock', retryable: true });
    } finally {
      client.destroy();
    }
  });
});
