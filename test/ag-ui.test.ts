/**
 * toAgUiEvents (rxllm/ag-ui) on real recorded streams: every event validated against
 * @ag-ui/core's own zod schemas (EventSchema, after a JSON round trip as on the wire), the
 * messages rebuilt from the events equal to the recording, the AG-UI sequencing kept (start
 * before content before end, nothing after the run's end), errors as RUN_ERROR, and the marble
 * contract (subscription released on unsubscribe).
 */
import { EventSchema } from '@ag-ui/core/schemas';
import { lastValueFrom, queueScheduler, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { toAgUiEvents, type AgUiEvent } from '../src/ag-ui/index.ts';
import { finishDelta, metadataDelta, reasoningDelta, replayFixture, textDelta, toolCallArgs, toolCallEnd, toolCallStart, usageDelta, type RecordedEvent } from '../src/testing/index.ts';
import { loadCase } from './support/fixtures.ts';

const run = { threadId: 'thread-1', runId: 'run-1' };

async function eventsOf(recording: string | { events: readonly RecordedEvent[] }): Promise<AgUiEvent[]> {
  return lastValueFrom(replayFixture(recording, { scheduler: queueScheduler }).pipe(toAgUiEvents(run), toArray()));
}

/** Validates every event with @ag-ui/core's schema and checks the run's sequencing; returns what the events carry. */
function check(events: AgUiEvent[]) {
  for (const event of events) {
    const parsed = EventSchema.safeParse(JSON.parse(JSON.stringify(event)));
    expect(parsed.success, `${event.type}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
  }
  expect(events[0]).toEqual({ type: 'RUN_STARTED', ...run });
  expect(['RUN_FINISHED', 'RUN_ERROR']).toContain(events.at(-1)!.type);
  expect(events.filter((e) => e.type === 'RUN_FINISHED' || e.type === 'RUN_ERROR')).toHaveLength(1);
  const open = new Set<string>();
  const seen = new Set<string>();
  const text: string[] = [];
  const reasoning: string[] = [];
  const args = new Map<string, string>();
  const names: string[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'TEXT_MESSAGE_START':
      case 'REASONING_MESSAGE_START':
        expect(open.has(e.messageId) || seen.has(e.messageId), `${e.messageId} opened twice`).toBe(false);
        expect([...open].filter((id) => !id.startsWith('reasoning:')), 'one message open at a time').toEqual([]);
        open.add(e.messageId);
        seen.add(e.messageId);
        break;
      case 'TEXT_MESSAGE_CONTENT':
        expect(open.has(e.messageId)).toBe(true);
        text.push(e.delta);
        break;
      case 'REASONING_MESSAGE_CONTENT':
        expect(open.has(e.messageId)).toBe(true);
        reasoning.push(e.delta);
        break;
      case 'TEXT_MESSAGE_END':
      case 'REASONING_MESSAGE_END':
        expect(open.delete(e.messageId)).toBe(true);
        break;
      case 'TOOL_CALL_START':
        expect(args.has(e.toolCallId)).toBe(false);
        args.set(e.toolCallId, '');
        names.push(e.toolCallName);
        open.add(`call:${e.toolCallId}`);
        break;
      case 'TOOL_CALL_ARGS':
        expect(open.has(`call:${e.toolCallId}`)).toBe(true);
        args.set(e.toolCallId, args.get(e.toolCallId)! + e.delta);
        break;
      case 'TOOL_CALL_END':
        expect(open.delete(`call:${e.toolCallId}`)).toBe(true);
        break;
      case 'RUN_FINISHED':
      case 'RUN_ERROR':
        expect([...open], 'everything closed before the run ends').toEqual([]);
        break;
    }
  }
  return { text: text.join(''), reasoning: reasoning.join(''), args: [...args.values()], names };
}

describe('toAgUiEvents on recorded streams, validated by @ag-ui/core schemas', () => {
  for (const [recording, fixture] of [
    ['deepseek-reasoning', 'openai-compatible/deepseek-reasoning'],
    ['anthropic-thinking', 'anthropic/thinking'],
    ['openai-tool-call', 'openai-chat/tool-call'],
    ['gemini-thought', 'gemini/thought'],
    ['bedrock-reasoning', 'bedrock/reasoning'],
  ] as const) {
    it(`${recording}: valid events that rebuild the recorded answer`, async () => {
      const events = await eventsOf(recording);
      const expected = loadCase(fixture).expect;
      const carried = check(events);
      expect(carried).toEqual({
        text: expected.text,
        reasoning: expected.reasoning,
        args: expected.toolCalls.map((c) => c.arguments),
        names: expected.toolCalls.map((c) => c.name),
      });
      const finished = events.at(-1)!;
      expect(finished).toMatchObject({ type: 'RUN_FINISHED', ...run, outcome: { type: 'success' }, result: { finishReason: expected.toolCalls.length > 0 ? 'tool-calls' : 'stop' } });
    });
  }

  it('a signature becomes REASONING_ENCRYPTED_VALUE on the reasoning message; usage rides on RUN_FINISHED', async () => {
    const events = await eventsOf('anthropic-thinking');
    const encrypted = events.filter((e) => e.type === 'REASONING_ENCRYPTED_VALUE');
    expect(encrypted).toHaveLength(1);
    expect(encrypted[0]).toMatchObject({ subtype: 'message', entityId: 'run-1-reasoning' });
    const finished = events.at(-1) as Extract<AgUiEvent, { type: 'RUN_FINISHED' }>;
    expect(finished.usage?.[0]).toMatchObject({ provider: 'anthropic', outputTokens: expect.any(Number) });
  });

  it('a stream cut short ends the run with RUN_ERROR after closing the open message; the partial text was delivered', async () => {
    const events = await eventsOf({ events: loadCase('openai-chat/text').events.slice(0, 6) as RecordedEvent[] });
    const carried = check(events);
    expect(carried.text).toBe("I'm unable to provide real");
    expect(events.slice(-2).map((e) => e.type)).toEqual(['TEXT_MESSAGE_END', 'RUN_ERROR']);
    expect(events.at(-1)).toMatchObject({ type: 'RUN_ERROR', code: 'StreamTruncatedError', message: expect.stringContaining('ended before') });
  });

  it('marbles: events in order, the source released on unsubscribe and at the end', () => {
    const ts = new TestScheduler((a, e) => expect(a).toStrictEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m------r------a------t------e------f------u|', {
        m: metadataDelta('openai', 'chatcmpl-1', 'gpt-x'),
        r: reasoningDelta('hmm'),
        a: textDelta('Hi'),
        t: toolCallStart(0, 'call_1', 'get_weather'),
        e: toolCallArgs(0, '{}'),
        f: toolCallEnd(0),
        u: usageDelta({ inputTokens: 3, outputTokens: 2 }),
      });
      expectObservable(source.pipe(toAgUiEvents(run))).toBe('R-------(ABC)--(DEFG)-(HI)---J------K-------(L|)', {
        R: { type: 'RUN_STARTED', ...run },
        A: { type: 'REASONING_START', messageId: 'run-1-reasoning' },
        B: { type: 'REASONING_MESSAGE_START', messageId: 'run-1-reasoning', role: 'reasoning' },
        C: { type: 'REASONING_MESSAGE_CONTENT', messageId: 'run-1-reasoning', delta: 'hmm' },
        D: { type: 'REASONING_MESSAGE_END', messageId: 'run-1-reasoning' },
        E: { type: 'REASONING_END', messageId: 'run-1-reasoning' },
        F: { type: 'TEXT_MESSAGE_START', messageId: 'run-1-message', role: 'assistant' },
        G: { type: 'TEXT_MESSAGE_CONTENT', messageId: 'run-1-message', delta: 'Hi' },
        H: { type: 'TEXT_MESSAGE_END', messageId: 'run-1-message' },
        I: { type: 'TOOL_CALL_START', toolCallId: 'call_1', toolCallName: 'get_weather', parentMessageId: 'run-1-message' },
        J: { type: 'TOOL_CALL_ARGS', toolCallId: 'call_1', delta: '{}' },
        K: { type: 'TOOL_CALL_END', toolCallId: 'call_1' },
        L: { type: 'RUN_FINISHED', ...run, outcome: { type: 'success' }, usage: [{ provider: 'openai', model: 'gpt-x', inputTokens: 3, outputTokens: 2, totalTokens: 5 }] },
      });
      expectSubscriptions(source.subscriptions).toBe('^' + '-'.repeat(43) + '!');

      const long = cold('-a----a----a-f|', { a: textDelta('x'), f: finishDelta('stop') });
      expectObservable(long.pipe(toAgUiEvents(run)), '^-------!').toBe('R(ab)-c', {
        R: { type: 'RUN_STARTED', ...run },
        a: { type: 'TEXT_MESSAGE_START', messageId: 'run-1-message', role: 'assistant' },
        b: { type: 'TEXT_MESSAGE_CONTENT', messageId: 'run-1-message', delta: 'x' },
        c: { type: 'TEXT_MESSAGE_CONTENT', messageId: 'run-1-message', delta: 'x' },
      });
      expectSubscriptions(long.subscriptions).toBe('^-------!');
    });
  });
});

describe('agUiHandler (rxllm/gateway): the official @ag-ui/client HttpAgent consuming the AG-UI endpoint', () => {
  it('runs an agent over a recorded DeepSeek stream and a recorded tool call: messages and tool calls as the recording', async () => {
    const { HttpAgent } = await import('@ag-ui/client');
    const { default: OpenAI } = await import('openai');
    const { agUiHandler, adapterNamed } = await import('../src/gateway/index.ts');
    const { findReplay, startReplay } = await import('../src/cli/replays.ts');
    const replayDir = new URL('../replay', import.meta.url).pathname;

    for (const [name, fixture] of [
      ['deepseek-reasoning', 'openai-compatible/deepseek-reasoning'],
      ['openai-tool-call', 'openai-chat/tool-call'],
    ] as const) {
      const replay = await startReplay(findReplay(name)!, replayDir, 0, { record: true });
      try {
        const handler = agUiHandler({ adapter: adapterNamed('openai'), client: new OpenAI({ apiKey: 'test', baseURL: `${replay.url}/v1`, maxRetries: 0 }), model: 'gpt-test' });
        const seen: unknown[] = [];
        const agent = new HttpAgent({
          url: 'http://gateway.test/agent',
          threadId: 'thread-1',
          initialMessages: [{ id: 'u1', role: 'user', content: 'What is the weather in Paris?' }],
          fetch: (url, init) => handler(new Request(url, init)),
        });
        const tools = name === 'openai-tool-call' ? [{ name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] : [];
        await agent.runAgent({ runId: `run-${name}`, tools }, { onEvent: ({ event }) => void seen.push(event) });
        for (const event of seen) expect(EventSchema.safeParse(event).success).toBe(true);
        expect((seen[0] as { type: string }).type).toBe('RUN_STARTED');
        expect((seen.at(-1) as { type: string }).type).toBe('RUN_FINISHED');

        const expected = loadCase(fixture).expect;
        const assistant = agent.messages.filter((m) => m.role === 'assistant');
        expect(assistant.map((m) => m.content ?? '').join('')).toBe(expected.text);
        const calls = assistant.flatMap((m) => ('toolCalls' in m ? (m.toolCalls ?? []) : []));
        expect(calls.map((c) => [c.function.name, c.function.arguments])).toEqual(expected.toolCalls.map((c) => [c.name, c.arguments]));
        // the upstream request the gateway made carried the AG-UI input as Chat Completions
        const upstream = replay.requests.at(-1)!.body as { messages: unknown[]; tools?: unknown[] };
        expect(upstream.messages).toEqual([{ role: 'user', content: 'What is the weather in Paris?' }]);
        expect(upstream.tools?.length ?? 0).toBe(tools.length);
      } finally {
        await replay.close();
      }
    }
  });

  it('answers a bad input with 400 before any event', async () => {
    const { agUiHandler, adapterNamed } = await import('../src/gateway/index.ts');
    const handler = agUiHandler({ adapter: adapterNamed('openai'), client: {}, model: 'gpt-test' });
    const response = await handler(new Request('http://gateway.test/agent', { method: 'POST', body: JSON.stringify({ threadId: 't', messages: [] }) }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'runId' } });
  });
});
