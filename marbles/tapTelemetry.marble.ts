/**
 * tapTelemetry with the real OpenTelemetry SDK (in-memory span exporter, metric reader), in
 * virtual time: the GenAI semantic-convention attributes and rxllm's timings.
 */
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { mergeMap, Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError } from '../src/core/errors.ts';
import { tapTelemetry } from '../src/operators/tapTelemetry.ts';
import { finishDelta, metadataDelta, resetDelta, textDelta, usageDelta } from '../src/testing/index.ts';

const values: Record<string, Delta> = {
  m: metadataDelta('openai', 'chatcmpl-1', 'gpt-4o-2024-08-06'),
  a: textDelta('Hel'),
  b: textDelta('lo'),
  x: resetDelta('retry'),
  u: usageDelta({ inputTokens: 12, outputTokens: 3 }),
  f: finishDelta('stop', 'stop'),
};

const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = tracerProvider.getTracer('rxllm-test');

/** The finished spans, once the processor exported them. */
async function finishedSpans() {
  await tracerProvider.forceFlush();
  return exporter.getFinishedSpans();
}
afterEach(() => exporter.reset());

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
}

describe('tapTelemetry', () => {
  it('records one CLIENT span per request with gen_ai.* attributes, time to first content, stalls and deltas per second', async () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m 9ms a 29ms b-u-(f|)', values);
      const result = source.pipe(tapTelemetry({ tracer, model: 'gpt-4o', stallMs: 20, request: { messages: [], maxTokens: 400, temperature: 0.2 } }));
      expectObservable(result).toBe('-m 9ms a 29ms b-u-(f|)', values);
      expectSubscriptions(source.subscriptions).toBe('^ 44ms !');
    });
    const spans = await finishedSpans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe('chat gpt-4o');
    expect(span.kind).toBe(2);
    expect(span.status.code).toBe(0);
    expect(span.attributes).toStrictEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.max_tokens': 400,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'rxllm.time_to_first_delta_ms': 1,
      'rxllm.time_to_first_content_ms': 11,
      'rxllm.delta_count': 5,
      'rxllm.content_deltas': 2,
      'rxllm.stall_count': 1,
      'rxllm.max_gap_ms': 30,
      'rxllm.deltas_per_second': 1000 / 30,
    });
  });

  it('records an error with its type, retryable and status ERROR, and passes it on unchanged', async () => {
    const error = new ProviderError('429 rate limited', { provider: 'openai', status: 429, retryable: true });
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-x-#', values, error);
      expectObservable(source.pipe(tapTelemetry({ tracer }))).toBe('-a-x-#', values, error);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
    const span = (await finishedSpans())[0]!;
    expect(span.status).toStrictEqual({ code: 2, message: '429 rate limited' });
    expect(span.attributes['error.type']).toBe('ProviderError');
    expect(span.attributes['rxllm.error.retryable']).toBe(true);
    expect(span.attributes['rxllm.reset_count']).toBe(1);
    expect(span.events.map((e) => e.name)).toStrictEqual(['exception']);
  });

  it('ends the span as cancelled on unsubscribe, releasing the source', async () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-----', values);
      expectObservable(source.pipe(tapTelemetry({ tracer })), '^--!').toBe('-a-', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    const span = (await finishedSpans())[0]!;
    expect(span.attributes['rxllm.cancelled']).toBe(true);
    expect(span.status.code).toBe(0);
  });

  it('records gen_ai.client.operation.duration and gen_ai.client.token.usage with a meter', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
    const meter = new MeterProvider({ readers: [reader] }).getMeter('rxllm-test');
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-m-a 1s u-(f|)', values);
      expectObservable(source.pipe(tapTelemetry({ meter, model: 'gpt-4o' }))).toBe('-m-a 1s u-(f|)', values);
    });
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics[0]!.metrics;
    const byName = Object.fromEntries(metrics.map((m) => [m.descriptor.name, m]));
    const duration = byName['gen_ai.client.operation.duration']!;
    expect(duration.descriptor.unit).toBe('s');
    const point = duration.dataPoints[0]! as { value: { sum: number; count: number }; attributes: Record<string, unknown> };
    expect(point.value.count).toBe(1);
    expect(point.value.sum).toBeCloseTo(1.006, 6);
    expect(point.attributes).toStrictEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
    });
    const usage = byName['gen_ai.client.token.usage']!;
    const sums = Object.fromEntries(
      usage.dataPoints.map((p) => [(p.attributes as Record<string, string>)['gen_ai.token.type'], (p.value as { sum: number }).sum]),
    );
    expect(sums).toStrictEqual({ input: 12, output: 3 });
  });

  it('completes on empty (a span without content) and stays silent on never', async () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      const never = cold<Delta>('-');
      expectObservable(empty.pipe(tapTelemetry({ tracer }))).toBe('|');
      expectObservable(never.pipe(tapTelemetry({ tracer })), '^--!').toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
    const spans = await finishedSpans();
    expect(spans.map((s) => [s.attributes['rxllm.delta_count'], s.attributes['rxllm.cancelled']])).toStrictEqual([
      [0, undefined],
      [0, true],
    ]);
  });

  it('errors with what the tracer throws, like tap', () => {
    const thrown = new Error('tracer broke');
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a|', values);
      const failing = {
        startSpan: () => ({
          setAttribute: () => {
            throw thrown;
          },
          end: () => undefined,
          recordException: () => undefined,
          setStatus: () => undefined,
        }),
      } as unknown as typeof tracer;
      expectObservable(source.pipe(tapTelemetry({ tracer: failing }))).toBe('-#', values, thrown);
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('does not break unsubscription chains, and stops a synchronous source with take', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a-b-|', values);
      const result = source.pipe(
        mergeMap((d) => of(d)),
        tapTelemetry({ tracer }),
        mergeMap((d) => of(d)),
      );
      expectObservable(result, '^--!').toBe('-m-', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    let emitted = 0;
    const sync = new Observable<Delta>((s) => {
      for (let i = 0; i < 10 && !s.closed; i++) {
        emitted++;
        s.next(textDelta(String(i)));
      }
      s.complete();
    });
    const seen: Delta[] = [];
    sync.pipe(tapTelemetry({ tracer }), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([textDelta('0'), textDelta('1')]);
    expect(emitted).toBe(2);
  });

  it('needs a tracer or a meter', () => {
    expect(() => tapTelemetry({})).toThrow(TypeError);
  });
});
