/**
 * `rxllm serve --otel`: with an OpenTelemetry SDK registered globally (the real SDK, an
 * in-memory exporter), every request through serve becomes one GenAI span with the provider,
 * the model, usage and finish reason.
 */
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../src/cli/serve/server.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);

describe('rxllm serve --otel', () => {
  let handle: ServeHandle | undefined;
  afterAll(async () => {
    await handle?.close();
    trace.disable();
  });

  it('records a GenAI span per request on the global tracer', async () => {
    handle = await startServe({ provider: 'replay', replay: 'openai-text', speed: 0, port: 0, env: {}, replayDir: 'replay', otel: true });
    const client = new OpenAI({ apiKey: 'any', baseURL: handle.baseURL, maxRetries: 0 });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: handle.model, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text.length).toBeGreaterThan(20);
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 14,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.response.finish_reasons': ['stop'],
    });
  });
});
