/**
 * `streamObject` on each provider, through its official SDK against the replay server: the
 * request carries the provider's structured-output field (OpenAI `response_format` json_schema
 * strict, Anthropic `output_config.format`, Gemini `responseJsonSchema`, Bedrock a forced tool),
 * and a JSON answer streamed in that provider's wire shape (text, or Bedrock's tool arguments)
 * arrives as growing partial objects, then one validated value; a cut-off answer is a
 * JsonParseError, never a repaired value; the gateway passes `response_format` through.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonParseError } from '../src/json/errors.ts';
import { adapterNamed } from '../src/providers/adapters.ts';
import { startReplayServer, type ReplayServer, type Reply } from '../src/replay/server.ts';
import type { WireEvent } from '../src/replay/wire.ts';
import { streamObject } from '../src/sources/streamObject.ts';

const Plan = z.object({ city: z.string(), days: z.array(z.number()) });
const jsonSchema = z.toJSONSchema(Plan) as Record<string, unknown>;
const answer = '{"city":"Paris","days":[1,2,3]}';
const pieces = answer.match(/.{1,4}/g)!;

/** The answer in each provider's streamed wire shape. */
const wire: Record<string, (parts: readonly string[]) => WireEvent[]> = {
  openai: (parts) => [
    { data: { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] } },
    ...parts.map((content) => ({ data: { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] } })),
    { data: { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } },
    { data: '[DONE]' },
  ],
  anthropic: (parts) => [
    { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    ...parts.map((text) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } })),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ],
  google: (parts) =>
    parts.map((text, i) => ({
      data: {
        candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(i === parts.length - 1 ? { finishReason: 'STOP' } : {}) }],
        modelVersion: 'm',
        responseId: 'r1',
      },
    })),
  bedrock: (parts) => [
    { messageStart: { role: 'assistant' } },
    { contentBlockStart: { start: { toolUse: { toolUseId: 'tooluse_1', name: 'plan' } }, contentBlockIndex: 0 } },
    ...parts.map((input) => ({ contentBlockDelta: { delta: { toolUse: { input } }, contentBlockIndex: 0 } })),
    { contentBlockStop: { contentBlockIndex: 0 } },
    { messageStop: { stopReason: 'tool_use' } },
    { metadata: { usage: { inputTokens: 3, outputTokens: 9, totalTokens: 12 }, metrics: { latencyMs: 5 } } },
  ],
};

/** Where each provider's request carries the schema. */
const asked: Record<string, (body: any) => void> = {
  openai: (body) => expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'plan', schema: jsonSchema, strict: true } }),
  anthropic: (body) => expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: jsonSchema } }),
  google: (body) => expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: jsonSchema }),
  bedrock: (body) => expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'plan', description: 'Answer with this JSON object.', inputSchema: { json: jsonSchema } } }], toolChoice: { tool: { name: 'plan' } } }),
};

const formats: Record<string, Reply extends infer R ? (R extends { format: infer F } ? F : never) : never> = {
  openai: 'openai-chat',
  anthropic: 'anthropic',
  google: 'gemini',
  bedrock: 'bedrock',
};

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer(undefined, { record: true });
});
afterAll(() => server.close());

for (const name of ['openai', 'anthropic', 'google', 'bedrock']) {
  describe(`streamObject on ${name}`, () => {
    it('asks with the schema and emits growing partials, then the validated value', async () => {
      const adapter = adapterNamed(name)!;
      const { client } = await adapter.createClient({ env: {}, baseURL: server.url, maxRetries: 0 });
      server.reply({ format: formats[name]!, events: wire[name]!(pieces) });
      const before = server.requests.length;
      const emitted = await lastValueFrom(
        streamObject({ adapter, client, model: 'm' }, { messages: [{ role: 'user', content: 'Plan three days in Paris' }] }, { name: 'plan', jsonSchema, schema: Plan }).pipe(toArray()),
      );
      asked[name]!(server.requests[before]!.body);
      const last = emitted.at(-1)!;
      expect(last).toMatchObject({ complete: true, value: { city: 'Paris', days: [1, 2, 3] } });
      expect(emitted.filter((e) => !e.complete).length).toBeGreaterThan(3);
      expect(emitted.slice(0, -1).every((e) => !e.complete && e.value === undefined)).toBe(true);
      expect(emitted.some((e) => (e.partial as { city?: string } | undefined)?.city === 'Par')).toBe(true); // an open string shows its prefix
    });
  });
}

describe('streamObject never repairs a cut-off answer', () => {
  it('openai: the stream ends after half the JSON with finish_reason length → JsonParseError with the last partial', async () => {
    const adapter = adapterNamed('openai')!;
    const { client } = await adapter.createClient({ env: {}, baseURL: server.url, maxRetries: 0 });
    const events = wire.openai!(pieces.slice(0, 4));
    (events.at(-2) as { data: { choices: { finish_reason: string }[] } }).data.choices[0]!.finish_reason = 'length';
    server.reply({ format: 'openai-chat', events });
    const error = await lastValueFrom(streamObject({ adapter, client, model: 'm' }, { messages: [{ role: 'user', content: 'x' }] }, { name: 'plan', jsonSchema, schema: Plan })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JsonParseError);
    expect(error).toMatchObject({ truncated: true, lastPartial: { city: 'Paris' } });
  });
});
