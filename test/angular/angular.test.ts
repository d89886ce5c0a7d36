/**
 * rxllm/angular in Node under Angular's TestBed (zoneless): chatResource and deltaResource over
 * httpClientTransport (HttpClient with the fetch backend and an interceptor) against a loopback
 * SSE server that records requests and aborted connections, and against `rxllm serve` playing a
 * recording.
 */
import '@angular/compiler'; // first: Angular's packages are partially compiled (JIT-linked at load)
import { HttpClient, provideHttpClient, withFetch, withInterceptors, type HttpInterceptorFn } from '@angular/common/http';
import { Injector, provideZonelessChangeDetection, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { fileURLToPath } from 'node:url';
import { Observable } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatResource, deltaResource, httpClientTransport, type ChatResource, type ChatTransport } from '../../src/angular/index.ts';
import { ProviderError, RxllmError, StreamTruncatedError } from '../../src/core/errors.ts';
import type { Snapshot } from '../../src/core/delta.ts';
import { startServe, type ServeHandle } from '../../src/cli/serve/server.ts';
import { loadCase } from '../support/fixtures.ts';
import { nodeTestBed } from './node-testbed.ts';
import { startSseTestServer, type SseTestServer } from './sse-test-server.ts';

const nodeProviders = nodeTestBed();

const auth: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { authorization: 'Bearer from-interceptor' } }));

let server: SseTestServer;
beforeAll(async () => void (server = await startSseTestServer()));
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  TestBed.configureTestingModule({ providers: [...nodeProviders, provideZonelessChangeDetection(), provideHttpClient(withFetch(), withInterceptors([auth]))] });
});
afterEach(() => TestBed.resetTestingModule());

function transport(url = server.url): ChatTransport {
  return httpClientTransport(TestBed.inject(HttpClient), { url, model: 'test-model' });
}

/** The chat's state read synchronously after each delta reached it. */
interface Seen {
  readonly status: string;
  readonly snapshot: Snapshot | undefined;
  readonly text: string | undefined;
}

function spied(inner: ChatTransport, chat: () => ChatResource, seen: Seen[]): ChatTransport {
  return (request, signal) =>
    new Observable((subscriber) =>
      inner(request, signal).subscribe({
        next(delta) {
          subscriber.next(delta);
          const snapshot = chat().snapshot();
          seen.push({ status: chat().status(), snapshot, text: snapshot?.text });
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
}

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    TestBed.tick();
    await new Promise((r) => setTimeout(r, 5));
  }
  TestBed.tick();
}

describe('chatResource over httpClientTransport', () => {
  it('sends nothing until the first send, then streams snapshots (a new frozen object per delta) with waiting → streaming → done', async () => {
    const seen: Seen[] = [];
    const chat: ChatResource = TestBed.runInInjectionContext(() => chatResource({ transport: spied(transport(), () => chat, seen), system: 'Be brief.' }));
    await new Promise((r) => setTimeout(r, 50));
    expect({ status: chat.status(), snapshot: chat.snapshot(), requests: server.requests.length }).toEqual({ status: 'idle', snapshot: undefined, requests: 0 });

    chat.send('Hi');
    expect({ status: chat.status(), isStreaming: chat.isStreaming() }).toEqual({ status: 'waiting', isStreaming: true });
    await until(() => chat.status() === 'done', 'done');

    expect(chat.snapshot()).toMatchObject({ text: 'Hello, world.', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 4 } });
    expect(chat.error()).toBeUndefined();
    expect(chat.isStreaming()).toBe(false);
    expect(seen.map((s) => s.status)).toEqual(seen.map(() => 'streaming'));
    // every delta gave a new object, none was changed afterwards, and each is frozen
    expect(new Set(seen.map((s) => s.snapshot)).size).toBe(seen.length);
    expect(seen.map((s) => s.snapshot!.text)).toEqual(seen.map((s) => s.text));
    expect(seen.every((s) => Object.isFrozen(s.snapshot))).toBe(true);
    expect(seen.map((s) => s.text).filter((t, i, all) => t !== all[i - 1])).toEqual(['', 'Hello', 'Hello, ', 'Hello, world', 'Hello, world.']);

    expect(chat.messages()).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello, world.' }] },
    ]);
    const [request] = server.requests;
    expect(request!.headers.authorization).toBe('Bearer from-interceptor');
    expect(request!.body).toMatchObject({ model: 'test-model', stream: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
    expect(await request!.aborted).toBe(false);
  });

  it('continues the conversation: the second request carries the first answer as the assistant turn', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport() }));
    chat.send('Hi');
    await until(() => chat.status() === 'done', 'first answer');
    chat.send('And again?');
    await until(() => chat.status() === 'done', 'second answer');
    expect(server.requests[1]!.body.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello, world.' },
      { role: 'user', content: 'And again?' },
    ]);
    expect(chat.messages()).toHaveLength(4);
  });

  it('cancel() mid-stream aborts the HTTP request and keeps the partial answer', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport() }));
    chat.send('slow');
    await until(() => (chat.snapshot()?.text.length ?? 0) >= 6, 'some text');
    chat.cancel();
    const partial = chat.snapshot()!.text;
    expect(partial).toMatch(/^w0 w1 /);
    expect(partial.length).toBeLessThan(40 * 3);
    expect({ status: chat.status(), error: chat.error(), isStreaming: chat.isStreaming() }).toEqual({ status: 'cancelled', error: undefined, isStreaming: false });
    expect(await server.requests[0]!.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(chat.snapshot()!.text).toBe(partial); // nothing arrives after the cancel
    expect(chat.messages()).toEqual([{ role: 'user', content: 'slow' }, { role: 'assistant', content: [{ type: 'text', text: partial }] }]);
  });

  it('a new send while streaming aborts the previous request', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport() }));
    chat.send('slow');
    await until(() => (chat.snapshot()?.text.length ?? 0) >= 3, 'some text');
    chat.send('quick');
    expect(await server.requests[0]!.aborted).toBe(true);
    await until(() => chat.status() === 'done', 'second answer');
    expect(chat.snapshot()!.text).toBe('Hello, world.');
    expect(await server.requests[1]!.aborted).toBe(false);
    expect(chat.messages().map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('an error event mid-stream: status error, a typed ProviderError, the partial answer kept', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport() }));
    chat.send('fail');
    await until(() => chat.status() === 'error', 'error');
    const error = chat.error();
    expect(error).toBeInstanceOf(ProviderError);
    expect({ code: (error as ProviderError).code, partial: (error as ProviderError).partial?.text }).toEqual({ code: 'upstream_error', partial: 'Hello, ' });
    expect(chat.snapshot()!.text).toBe('Hello, ');
  });

  it('an HTTP 500 is a ProviderError with the status and the body code; a dropped connection a StreamTruncatedError with the partial', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport() }));
    chat.send('500');
    await until(() => chat.status() === 'error', 'error');
    expect(chat.error()).toBeInstanceOf(ProviderError);
    expect({ status: (chat.error() as ProviderError).status, code: (chat.error() as ProviderError).code, retryable: (chat.error() as ProviderError).retryable }).toEqual({
      status: 500,
      code: 'overloaded',
      retryable: true,
    });
    expect(chat.snapshot()).toBeUndefined();

    chat.send('drop');
    await until(() => chat.status() === 'error', 'error');
    expect(chat.error()).toBeInstanceOf(StreamTruncatedError);
    expect(chat.snapshot()!.text).toBe('Hello, ');
  });

  it('a refused connection is a retryable ProviderError', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport('http://127.0.0.1:9/v1/chat/completions') }));
    chat.send('Hi');
    await until(() => chat.status() === 'error', 'error');
    expect(chat.error()).toBeInstanceOf(ProviderError);
    expect((chat.error() as ProviderError).retryable).toBe(true);
  });

  it('is torn down with its injector: the running request is aborted, send afterwards throws', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ transport: transport() }));
    chat.send('slow');
    await until(() => chat.status() === 'streaming', 'streaming');
    TestBed.resetTestingModule();
    expect(await server.requests[0]!.aborted).toBe(true);
    expect(() => chat.send('again')).toThrow(RxllmError);
  });
});

describe('deltaResource', () => {
  it('streams the params’ answer as a Resource, and a params change aborts the running request', async () => {
    const prompt = signal<string | undefined>(undefined);
    const http = transport();
    const answer = TestBed.runInInjectionContext(() =>
      deltaResource({ params: () => prompt(), stream: (p) => http({ messages: [{ role: 'user', content: p }] }, new AbortController().signal) }),
    );
    TestBed.tick();
    expect({ status: answer.status(), streamStatus: answer.streamStatus(), value: answer.value() }).toEqual({ status: 'idle', streamStatus: 'idle', value: undefined });
    expect(server.requests).toHaveLength(0);

    prompt.set('slow');
    await until(() => answer.streamStatus() === 'waiting', 'the request');
    expect({ status: answer.status(), isLoading: answer.isLoading(), value: answer.value() }).toEqual({ status: 'loading', isLoading: true, value: undefined });
    await until(() => (answer.value()?.text.length ?? 0) >= 3, 'some text');
    expect({ streamStatus: answer.streamStatus(), isLoading: answer.isLoading() }).toEqual({ streamStatus: 'streaming', isLoading: true });
    prompt.set('quick');
    await until(() => answer.streamStatus() === 'done', 'done');
    expect(await server.requests[0]!.aborted).toBe(true);
    expect({ status: answer.status(), text: answer.value()?.text, hasValue: answer.hasValue(), error: answer.error() }).toEqual({
      status: 'resolved',
      text: 'Hello, world.',
      hasValue: true,
      error: undefined,
    });
  });

  it('keeps the partial answer readable in the error state (value() does not throw)', async () => {
    const http = transport();
    const answer = TestBed.runInInjectionContext(() => deltaResource({ stream: () => http({ messages: [{ role: 'user', content: 'fail' }] }, new AbortController().signal) }));
    await until(() => answer.streamStatus() === 'error', 'error');
    expect(answer.status()).toBe('error');
    expect(answer.error()).toBeInstanceOf(ProviderError);
    expect(answer.value()?.text).toBe('Hello, ');
    expect(answer.snapshot()).toEqual({ status: 'error', error: answer.error() });
  });

  it('cancel() and destruction abort the request', async () => {
    const http = transport();
    const injector = TestBed.inject(Injector);
    const answer = deltaResource({ injector, stream: () => http({ messages: [{ role: 'user', content: 'slow' }] }, new AbortController().signal) });
    await until(() => (answer.value()?.text.length ?? 0) > 0, 'some text');
    answer.cancel();
    expect(answer.streamStatus()).toBe('cancelled');
    expect(await server.requests[0]!.aborted).toBe(true);
    expect(answer.value()!.text).toMatch(/^w0 /);

    const other = deltaResource({ injector, stream: () => http({ messages: [{ role: 'user', content: 'slow' }] }, new AbortController().signal) });
    await until(() => server.requests.length === 2, 'the second request');
    other.destroy();
    expect(await server.requests[1]!.aborted).toBe(true);
  });
});

describe('chatResource against rxllm serve (embedded replay)', () => {
  let serve: ServeHandle;
  beforeAll(async () => {
    serve = await startServe({ provider: 'replay', replay: 'deepseek-reasoning', speed: 0, replayDir: fileURLToPath(new URL('../../replay', import.meta.url)), port: 0, env: {} });
  });
  afterAll(() => serve?.close());

  it('streams the recorded reasoning and answer through HttpClient', async () => {
    const recorded = loadCase('openai-compatible/deepseek-reasoning').expect;
    const chat = TestBed.runInInjectionContext(() =>
      chatResource({ transport: httpClientTransport(TestBed.inject(HttpClient), { url: `${serve.baseURL}/chat/completions`, model: serve.model }) }),
    );
    chat.send('Hello');
    await until(() => chat.status() === 'done' || chat.status() === 'error', 'the end', 10_000);
    expect(chat.error()).toBeUndefined();
    expect({ text: chat.snapshot()!.text, reasoning: chat.snapshot()!.reasoning }).toEqual({ text: recorded.text, reasoning: recorded.reasoning });
  });
});
