/**
 * The resumable HTTP helpers on a real node:http server (a small Web Request/Response bridge) and
 * `fromSSE({ resume })` against it: `id:` on every event, `retry:`, `Last-Event-ID` (header wins
 * over `?last_event_id=`), 204 / 404 / 410 / 400, idempotent cancel, terminals as OpenAI error
 * events, and a client that is cut mid-stream and resumes with nothing missed and nothing twice.
 * Memory store (the Redis store is held to the same contract in resumable.test.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { concatMap, delay, from, lastValueFrom, Observable, of, Subject, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { cancelHandler, memoryStore, type Resumable, resumable, resumeHandler, toResumableResponse } from '../src/resumable/index.ts';
import { fromSSE } from '../src/sse/fromSSE.ts';
import { toChatCompletionChunks } from '../src/sse/toChatCompletionChunks.ts';
import { finishDelta, metadataDelta, textDelta } from '../src/testing/deltas.ts';

const WORDS = Array.from({ length: 30 }, (_, i) => `word${i} `);
const DELTAS: Delta[] = [metadataDelta('openai', 'chatcmpl-1', 'm'), ...WORDS.map(textDelta), finishDelta('stop')];
const FULL_TEXT = WORDS.join('');
const owner = (request: Request) => request.headers.get('authorization') ?? '';

let server: Server;
let base: string;
let publishes = 0;
/** Cut the next POST response's connection after this many value events. */
let cutNextPostAfter: number | undefined;
let cutNextGetAfter: number | undefined;
const streams = resumable(memoryStore(), { secret: 's' });
const trimmed = resumable(memoryStore(), { secret: 's', maxEntries: 10, policy: 'trim' });
let source: (deltas: Delta[]) => Observable<Delta> = (deltas) => from(deltas).pipe(concatMap((d) => of(d).pipe(delay(2))));

function route(request: Request): Promise<Response> | Response {
  const url = new URL(request.url);
  const match = /^\/v1\/chat\/completions\/([^/]*)\/(stream|cancel)$/.exec(url.pathname);
  const which: Resumable = url.searchParams.has('trimmed') ? trimmed : streams;
  if (match && request.method === 'GET' && match[2] === 'stream') {
    return resumeHandler(which, { owner, encode: JSON.stringify, retry: 50, headersAfter: 100 })(request, decodeURIComponent(match[1]!));
  }
  if (match && request.method === 'POST' && match[2] === 'cancel') return cancelHandler(which, { owner })(request, decodeURIComponent(match[1]!));
  if (url.pathname === '/v1/chat/completions' && request.method === 'POST') {
    publishes++;
    return which
      .publish(source(DELTAS).pipe(toChatCompletionChunks({ model: 'm', id: 'chatcmpl-1', created: 1 })), { owner: owner(request) })
      .then(({ id, events$ }) =>
        toResumableResponse(events$, { encode: JSON.stringify, retry: 50, headers: { 'rxllm-stream-id': id }, signal: request.signal }),
      );
  }
  return new Response('not found', { status: 404 });
}

/** node:http → Web Request → route → Web Response → node:http; cuts the connection after N events when asked. */
async function bridge(req: IncomingMessage, res: ServerResponse) {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  const method = req.method ?? 'GET';
  const request = new Request(`http://127.0.0.1${req.url}`, {
    method,
    headers: req.headers as Record<string, string>,
    body: method === 'GET' || method === 'HEAD' ? undefined : (Readable.toWeb(req) as ReadableStream),
    duplex: 'half',
    signal: controller.signal,
  } as RequestInit);
  let cutAfter: number | undefined;
  if (method === 'POST' && new URL(request.url).pathname === '/v1/chat/completions') [cutAfter, cutNextPostAfter] = [cutNextPostAfter, undefined];
  if (method === 'GET') [cutAfter, cutNextGetAfter] = [cutNextGetAfter, undefined];
  const response = await route(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) return res.end();
  let events = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    res.write(chunk);
    events += (Buffer.from(chunk).toString().match(/^id: /gm) ?? []).length;
    if (cutAfter !== undefined && events >= cutAfter) {
      // the events written so far reach the client, then the connection drops
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      res.socket?.destroy();
      return;
    }
  }
  res.end();
}

beforeAll(async () => {
  server = createServer((req, res) => void bridge(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (auth = 'key-a', query = '') =>
  fetch(`${base}${query}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{}' });
const get = (id: string, headers: Record<string, string> = {}, query = '') =>
  fetch(`${base}/${id}/stream${query}`, { headers: { authorization: 'key-a', ...headers } });
/** The events of an SSE body: `{ id?, data }` per event, and the `retry:` value. */
function events(body: string) {
  const retry = /^retry: (\d+)$/m.exec(body)?.[1];
  const list = body
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => ({ id: /^id: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)![1]! }));
  return { retry, list };
}
const publish = async () => {
  const response = await post();
  const id = response.headers.get('rxllm-stream-id')!;
  return { id, body: await response.text() };
};

describe('resumable over HTTP', () => {
  it('a streaming POST answers with Rxllm-Stream-Id, retry:, an id on every event and [DONE] last', async () => {
    const response = await post();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const id = response.headers.get('rxllm-stream-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const { retry, list } = events(await response.text());
    expect(retry).toBe('50');
    expect(list.map((e) => e.id)).toEqual(list.map((_, i) => String(i + 1)));
    expect(list.at(-1)!.data).toBe('[DONE]');
    const text = list.slice(0, -1).map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(FULL_TEXT);
  });

  it('GET …/stream resumes after Last-Event-ID; the header wins over ?last_event_id=; the query works alone', async () => {
    const { id, body } = await publish();
    const all = events(body).list;
    const fromHeader = events(await (await get(id, { 'last-event-id': '5' }, '?last_event_id=2')).text()).list;
    expect(fromHeader).toStrictEqual(all.slice(5));
    const fromQuery = events(await (await get(id, {}, '?last_event_id=2')).text()).list;
    expect(fromQuery).toStrictEqual(all.slice(2));
    const fromStart = await get(id);
    expect(events(await fromStart.text()).list).toStrictEqual(all);
  });

  it('204 at or past the end; 404 the same for random and foreign ids; 400 for malformed ids and cursors; 410 when trimmed', async () => {
    const { id, body } = await publish();
    const last = events(body).list.at(-1)!.id!;
    for (const cursor of [last, String(Number(last) + 10)]) {
      const response = await get(id, { 'last-event-id': cursor });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
    const random = await get('0123456789abcdef0123456789abcdef');
    const foreign = await fetch(`${base}/${id}/stream`, { headers: { authorization: 'key-b' } });
    expect(random.status).toBe(404);
    expect(foreign.status).toBe(404);
    const randomBody = await random.text();
    expect(await foreign.text()).toBe(randomBody);
    expect(JSON.parse(randomBody)).toMatchObject({ error: { type: 'not_found_error', code: 'not_found' } });
    expect((await get('not-an-id')).status).toBe(400);
    const badCursor = await get(id, { 'last-event-id': 'abc' });
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ error: { code: 'bad_cursor' } });
    const response = await post('key-a', '?trimmed');
    const trimmedId = response.headers.get('rxllm-stream-id')!;
    await response.text();
    const old = await get(trimmedId, { 'last-event-id': '3' }, '?trimmed');
    expect(old.status).toBe(410);
    expect(await old.json()).toMatchObject({ error: { code: 'gone' } });
    expect((await get(trimmedId, { 'last-event-id': '29' }, '?trimmed')).status).toBe(200);
  });

  it('a resume at the live edge answers 200 before the next event, which then arrives', async () => {
    const live = new Subject<Delta>();
    source = () => live;
    try {
      const responding = post();
      while (!live.observed) await new Promise((resolve) => setTimeout(resolve, 5));
      live.next(metadataDelta('openai', 'chatcmpl-1', 'm'));
      live.next(textDelta('first')); // the first chunk carries the role and the first text (metadata has no chunk of its own)
      const id = (await responding).headers.get('rxllm-stream-id')!;
      const t0 = performance.now();
      const response = await get(id, { 'last-event-id': '1' });
      expect(response.status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(1_000);
      const reading = response.text();
      live.next(textDelta('later'));
      live.next(finishDelta('stop'));
      live.complete();
      const list = events(await reading).list;
      expect(list.map((e) => e.id)).toEqual(['2', '3', '4']);
      expect(JSON.parse(list[0]!.data).choices[0].delta.content).toBe('later');
    } finally {
      source = (deltas) => from(deltas).pipe(concatMap((d) => of(d).pipe(delay(2))));
    }
  });

  it('POST …/cancel stops the stream (error event, then [DONE]); again 204; unknown 404; malformed 400', async () => {
    const live = new Subject<Delta>();
    source = () => live;
    try {
      const responding = post();
      while (!live.observed) await new Promise((resolve) => setTimeout(resolve, 5));
      live.next(metadataDelta('openai', 'chatcmpl-1', 'm'));
      live.next(textDelta('hi'));
      const response = await responding;
      const id = response.headers.get('rxllm-stream-id')!;
      const reading = response.text();
      const cancel = (which: string, auth = 'key-a') => fetch(`${base}/${which}/cancel`, { method: 'POST', headers: { authorization: auth } });
      expect((await cancel(id)).status).toBe(204);
      expect((await cancel(id)).status).toBe(204);
      expect((await cancel(id, 'key-b')).status).toBe(404);
      expect((await cancel('f'.repeat(32))).status).toBe(404);
      expect((await cancel('nope')).status).toBe(400);
      const list = events(await reading).list;
      expect(live.observed).toBe(false);
      expect(list.at(-2)).toStrictEqual({ id: String(list.length - 1), data: expect.stringContaining('"code":"cancelled"') });
      expect(JSON.parse(list.at(-2)!.data)).toMatchObject({ error: { message: 'The stream was cancelled.', code: 'cancelled' } });
      expect(list.at(-1)).toStrictEqual({ id: undefined, data: '[DONE]' });
    } finally {
      source = (deltas) => from(deltas).pipe(concatMap((d) => of(d).pipe(delay(2))));
    }
  });
});

describe('fromSSE({ resume })', () => {
  const text = async (deltas: Observable<Delta>) => (await lastValueFrom(deltas.pipe(accumulate()))).text;

  it('a POST cut after 7 events resumes on GET …/stream with Last-Event-ID: the whole text, one provider request', async () => {
    const before = publishes;
    cutNextPostAfter = 7;
    const seen: string[] = [];
    const deltas = fromSSE(
      (signal, resume) => {
        if (resume === undefined) return post().then((r) => r);
        seen.push(resume.lastEventId!);
        return fetch(`${base}/${resume.response.headers.get('rxllm-stream-id')}/stream`, {
          headers: { authorization: 'key-a', 'last-event-id': resume.lastEventId! },
          signal,
        });
      },
      { resume: { delay: 10 } },
    );
    expect(await text(deltas)).toBe(FULL_TEXT);
    expect(seen).toEqual(['7']);
    expect(publishes - before).toBe(1);
  });

  it('a URL input reconnects with Last-Event-ID after every cut', async () => {
    const response = await fetch(base, { method: 'POST', body: '{}' }); // no authorization: the id alone is the capability
    const id = response.headers.get('rxllm-stream-id')!;
    await response.text();
    cutNextGetAfter = 4;
    expect(await text(fromSSE(`${base}/${id}/stream`, { resume: { delay: 10 } }))).toBe(FULL_TEXT);
    expect(cutNextGetAfter).toBeUndefined();
  });

  it('a refused reconnection (404) ends with its ProviderError, no retry loop', async () => {
    cutNextPostAfter = 3;
    let reconnects = 0;
    const deltas = fromSSE((_signal, resume) => (resume === undefined ? post() : (reconnects++, get('f'.repeat(32)))), { resume: { delay: 10 } });
    const error = await lastValueFrom(deltas).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect(reconnects).toBe(1);
  });

  it('without resume, the cut is a StreamTruncatedError', async () => {
    cutNextPostAfter = 5;
    const error = await lastValueFrom(fromSSE(() => post())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamTruncatedError);
  });

  it('the entries of a stream are served once per reader, identical for two readers', async () => {
    const { id } = await publish();
    const [a, b] = await Promise.all([get(id).then((r) => r.text()), get(id).then((r) => r.text())]);
    expect(a).toBe(b);
    expect(await lastValueFrom(from(events(a).list).pipe(toArray()))).toHaveLength(DELTAS.length); // a chunk per delta but metadata, plus [DONE]
  });
});
