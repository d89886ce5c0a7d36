/**
 * The SSE encoders against the official openai SDK: recorded provider streams are mapped to
 * deltas, served back as OpenAI chunks (`toSSEResponse`, handed to the SDK as its `fetch`), and
 * the SDK's own stream accumulator must rebuild what the recording holds.
 */
import OpenAI, { APIError } from 'openai';
import { from, NEVER, Observable, concat, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { IdleTimeoutError, ProviderError } from '../src/core/errors.ts';
import { ChatStreamMapper } from '../src/providers/openai/decode-stream.ts';
import { sseResponse, toSSEResponse } from '../src/sse/index.ts';
import { finishDelta, metadataDelta, textDelta } from '../src/testing/index.ts';
import { listCases } from './support/fixtures.ts';
import { runMapper, sseEvents } from './support/openai-events.ts';

/** An SDK client whose every request is answered by `answer` (no network). */
function clientFor(answer: (body: any, init: RequestInit) => Promise<Response>): OpenAI {
  return new OpenAI({
    apiKey: 'test',
    baseURL: 'http://rxllm.test/v1',
    maxRetries: 0,
    fetch: async (_url: string | URL | Request, init?: RequestInit) => answer(JSON.parse(String(init!.body)), init!),
  });
}

/** Reads an SSE Response body whole. */
async function bodyText(response: Response): Promise<string> {
  return new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()));
}

const cases = listCases('openai-chat', 'openai-compatible').filter((c) => c.expect.error === null && c.id !== 'openai-chat/multiple-choices');

describe('toSSEResponse → official openai SDK', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s: the SDK rebuilds the recorded response', async (_id, c) => {
    const { deltas, error } = runMapper(sseEvents(c), (out) => new ChatStreamMapper(out));
    expect(error).toBeUndefined();
    const client = clientFor((body, init) =>
      toSSEResponse(from(deltas), { model: body.model, includeUsage: body.stream_options?.include_usage === true, signal: init.signal ?? undefined }),
    );
    const stream = client.chat.completions.stream({ model: c.model, messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    let reasoning = '';
    stream.on('chunk', (chunk) => {
      const delta = chunk.choices[0]?.delta as { reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
    });
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(completion.model).toBe(c.model);
    expect(message.role).toBe('assistant');
    expect(message.content ?? '').toBe(c.expect.text);
    expect(reasoning).toBe(c.expect.reasoning);
    expect((message.tool_calls ?? []).map((t) => (t.type === 'function' ? { id: t.id, name: t.function.name, arguments: t.function.arguments } : t))).toStrictEqual(
      c.expect.toolCalls,
    );
    expect(completion.choices[0]!.finish_reason).toBe(c.expect.finishReason);
    // the recorded usage (OpenAI sends it last, DeepSeek on the finishing chunk) comes back as the final chunk
    const recorded = c.events.map((e: any) => e.data?.usage).filter((u: any) => u != null).at(-1);
    if (recorded === undefined) expect(completion.usage).toBeUndefined();
    else {
      expect(completion.usage?.prompt_tokens).toBe(recorded.prompt_tokens);
      expect(completion.usage?.completion_tokens).toBe(recorded.completion_tokens);
      expect(completion.usage?.total_tokens).toBe(recorded.prompt_tokens + recorded.completion_tokens);
    }
  });

  it('writes usage only when the request asked for it', async () => {
    const deltas: Delta[] = [textDelta('Hi'), finishDelta('stop'), { type: 'usage', inputTokens: 3, outputTokens: 1 }];
    const without = await bodyText(await toSSEResponse(from(deltas), { model: 'm' }));
    expect(without).not.toContain('usage');
    const withUsage = await bodyText(await toSSEResponse(from(deltas), { model: 'm', includeUsage: true }));
    expect(withUsage).toContain('"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}');
    expect(withUsage.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers an error before any delta with its HTTP status and an OpenAI error body, so the SDK raises a RateLimitError', async () => {
    const error = new ProviderError('Rate limit reached for requests', { provider: 'anthropic', status: 429, code: 'rate_limit_error', retryable: true });
    const client = clientFor((body) => toSSEResponse(throwError(() => error), { model: body.model }));
    const failure = await client.chat.completions.create({ model: 'm', messages: [], stream: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as APIError).status).toBe(429);
    expect((failure as APIError).code).toBe('rate_limit_error');
    expect((failure as APIError).message).toContain('Rate limit reached for requests');
  });

  it('answers an idle timeout before any delta with 504', async () => {
    const response = await toSSEResponse(throwError(() => new IdleTimeoutError('nothing in 10 ms', { phase: 'first', afterMs: 10, deltaCount: 0 })), { model: 'm' });
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toStrictEqual({ error: { message: 'nothing in 10 ms', type: 'server_error', code: 'idle_timeout', param: null } });
  });

  it('sends an error after content as an error event and [DONE]: the SDK raises an APIError after the text', async () => {
    const error = new ProviderError('Overloaded', { provider: 'anthropic', code: 'overloaded_error', retryable: true });
    const client = clientFor((body) => toSSEResponse(concat(of(metadataDelta('anthropic'), textDelta('Hel')), throwError(() => error)), { model: body.model }));
    const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(text).toBe('Hel');
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toContain('Overloaded');
    expect((failure as APIError).code).toBe('overloaded_error');
  });

  it('has the SSE headers and lets extra headers through', async () => {
    const response = await toSSEResponse(of(textDelta('a'), finishDelta('stop')), { model: 'm', headers: { 'access-control-allow-origin': '*' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    await response.body!.cancel();
  });
});

describe('toSSEResponse: cancellation and slow clients', () => {
  /** A source that records whether it was unsubscribed, emitting `first` at once and then nothing. */
  function watched(first: Delta[]) {
    const state = { unsubscribed: false };
    const source = new Observable<Delta>((subscriber) => {
      for (const d of first) subscriber.next(d);
      return () => (state.unsubscribed = true);
    });
    return { source, state };
  }

  it('unsubscribes the source when the body is cancelled (the client disconnected)', async () => {
    const { source, state } = watched([textDelta('a')]);
    const response = await toSSEResponse(source, { model: 'm' });
    const reader = response.body!.getReader();
    await reader.read();
    expect(state.unsubscribed).toBe(false);
    await reader.cancel();
    expect(state.unsubscribed).toBe(true);
  });

  it('unsubscribes the source when the request signal aborts, also before the first delta', async () => {
    const { source, state } = watched([]);
    const controller = new AbortController();
    const pending = toSSEResponse(source, { model: 'm', signal: controller.signal });
    controller.abort();
    expect(state.unsubscribed).toBe(true);
    expect((await pending).status).toBe(499);
  });

  it('cuts a client that does not read: past highWaterMark events the source is unsubscribed, an error event and [DONE] follow', async () => {
    let emitted = 0;
    const { source, state } = watched([]);
    const burst = new Observable<Delta>((subscriber) => {
      const inner = source.subscribe(subscriber);
      for (let i = 0; i < 100 && !subscriber.closed; i++) {
        emitted++;
        subscriber.next(textDelta(`t${i}`));
      }
      return inner;
    });
    const response = await toSSEResponse(burst, { model: 'm', highWaterMark: 10 });
    expect(state.unsubscribed).toBe(true);
    expect(emitted).toBe(11); // 10 events may wait; the 11th is written, then the stream is cut
    const text = await bodyText(response);
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.slice(0, -2).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content)).toStrictEqual(
      Array.from({ length: 11 }, (_, i) => `t${i}`),
    );
    expect(JSON.parse(events.at(-2)!.slice(6)).error.code).toBe('buffer_overflow');
    expect(events.at(-1)).toBe('data: [DONE]');
  });

  it('never completes the body while the source never ends (no premature [DONE])', async () => {
    const response = await toSSEResponse(concat(of(textDelta('a')), NEVER), { model: 'm' });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"content":"a"');
    const next = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r('pending'), 20))]);
    expect(next).toBe('pending');
    await reader.cancel();
  });
});

describe('sseResponse (Request → Response)', () => {
  const handler = sseResponse((body: { messages: { content: string }[] }) =>
    of(metadataDelta('echo'), textDelta(body.messages.map((m) => m.content).join(' ')), finishDelta('stop')),
  );

  it('serves the body model and include_usage, readable by the SDK', async () => {
    const client = clientFor(async (body, init) => handler(new Request('http://rxllm.test/v1/chat/completions', { method: 'POST', body: JSON.stringify(body), signal: init.signal ?? null })));
    const completion = await client.chat.completions.stream({ model: 'echo-1', messages: [{ role: 'user', content: 'ping' }] }).finalChatCompletion();
    expect(completion.model).toBe('echo-1');
    expect(completion.choices[0]!.message.content).toBe('ping');
  });

  it('answers 400 with an OpenAI error to a body that is not JSON', async () => {
    const response = await handler(new Request('http://rxllm.test/', { method: 'POST', body: '{nope' }));
    expect(response.status).toBe(400);
    expect((await response.json()).error.type).toBe('invalid_request_error');
  });

  it('answers a pipeline that throws like a source error before any delta', async () => {
    const failing = sseResponse(() => {
      throw new ProviderError('bad key', { provider: 'openai', status: 401, code: 'invalid_api_key', retryable: false });
    });
    const response = await failing(new Request('http://rxllm.test/', { method: 'POST', body: '{}' }));
    expect(response.status).toBe(401);
    expect((await response.json()).error).toStrictEqual({ message: 'bad key', type: 'authentication_error', code: 'invalid_api_key', param: null, status_code: 401 });
  });
});
