import type { Attributes, Histogram, Meter, Span, Tracer } from '@opentelemetry/api';
import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type SchedulerLike } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import { type Delta, isContentDelta } from '../core/delta.ts';
import { ProviderError } from '../core/errors.ts';
import { operate } from '../core/operate.ts';
import { isTransientError } from '../core/retry-policy.ts';

/** Configuration of {@link tapTelemetry}. At least one of `tracer` and `meter`. */
export interface TapTelemetryConfig {
  /** Records one span per subscription (so per request): `trace.getTracer('my-app')`. */
  readonly tracer?: Tracer;
  /** Records `gen_ai.client.operation.duration` and `gen_ai.client.token.usage`: `metrics.getMeter('my-app')`. */
  readonly meter?: Meter;
  /** `gen_ai.operation.name` (default `'chat'`). */
  readonly operationName?: string;
  /** `gen_ai.provider.name`; default: the `provider` of the stream's `metadata` delta. */
  readonly provider?: string;
  /** `gen_ai.request.model`. */
  readonly model?: string;
  /** The request: sets `gen_ai.request.max_tokens`, `temperature`, `top_p`, `stop_sequences`, `seed`. */
  readonly request?: ChatRequest;
  /** A gap between two content deltas longer than this is a stall (`rxllm.stall_count`), in ms. Default 2000. */
  readonly stallMs?: number;
  /** More span attributes (and metric attributes). */
  readonly attributes?: Attributes;
  /** Where the clock of the timings comes from (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/** OpenTelemetry `SpanKind.CLIENT` and `SpanStatusCode.ERROR`, by value: `@opentelemetry/api` stays a type-only import. */
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/**
 * Records each request as an OpenTelemetry span and metrics following the GenAI semantic
 * conventions, and passes every delta through unchanged.
 *
 * <span class="informal">`tap` for telemetry: one span per subscription, from subscribe to the
 * end, with what arrived.</span>
 *
 * ```
 * source:         -m-a-b-u-(f|)
 * tapTelemetry:   -m-a-b-u-(f|)      span "chat gpt-4o" from 0 to 9: response id/model (m),
 *                                    time to first content (a), usage (u), finish reasons (f)
 * ```
 *
 * The span (kind CLIENT, named `{gen_ai.operation.name} {gen_ai.request.model}`) starts on
 * subscribe with `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model` and
 * the request's `gen_ai.request.*` parameters. Deltas add `gen_ai.response.id`,
 * `gen_ai.response.model` (metadata), `gen_ai.usage.input_tokens` / `output_tokens` (usage, the
 * last wins), `gen_ai.response.finish_reasons` (the provider's raw value, else rxllm's), and
 * rxllm's own: `rxllm.time_to_first_delta_ms`, `rxllm.time_to_first_content_ms`,
 * `rxllm.content_deltas`, `rxllm.deltas_per_second` (content deltas per second after the first),
 * `rxllm.stall_count` and `rxllm.max_gap_ms` (gaps between content deltas), `rxllm.reset_count`.
 * With a `meter`: `gen_ai.client.operation.duration` (s) and `gen_ai.client.token.usage`
 * (`{token}`, by `gen_ai.token.type`).
 *
 * On complete: ends the span. On error: records the exception, sets `error.type` (the error's
 * class name), `rxllm.error.retryable` and the status ERROR, ends the span, then passes the error
 * on unchanged. On unsubscribe before the end: sets `rxllm.cancelled` and ends the span.
 * A throw in the tracer or meter errors the stream, as a throw in `tap` does (at teardown,
 * where nothing is left to error, it is ignored).
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * stream(target, request).pipe(tapTelemetry({ tracer: trace.getTracer('chat-app'), model: 'gpt-4o', request }));
 * ```
 *
 * @see {@link tapLifecycle} for hooks of your own
 *
 * @param config `tracer` and/or `meter`, `operationName`, `provider`, `model`, `request`,
 * `stallMs` (ms), `attributes`, `scheduler`. Neither `tracer` nor `meter` throws a `TypeError`.
 * @return A function that returns an Observable of the same deltas.
 */
export function tapTelemetry(config: TapTelemetryConfig): MonoTypeOperatorFunction<Delta> {
  const { tracer, meter, operationName = 'chat', provider, model, request, stallMs = 2_000, attributes = {}, scheduler = asyncScheduler } = config;
  if (tracer === undefined && meter === undefined) throw new TypeError('tapTelemetry needs a `tracer` or a `meter` (from @opentelemetry/api).');
  const duration: Histogram | undefined = meter?.createHistogram('gen_ai.client.operation.duration', {
    unit: 's',
    description: 'GenAI operation duration',
  });
  const tokens: Histogram | undefined = meter?.createHistogram('gen_ai.client.token.usage', {
    unit: '{token}',
    description: 'Number of input and output tokens used',
  });
  const base: Attributes = { 'gen_ai.operation.name': operationName, ...attributes };
  if (provider !== undefined) base['gen_ai.provider.name'] = provider;
  if (model !== undefined) base['gen_ai.request.model'] = model;
  const requestAttributes = request === undefined ? {} : requestAttributesOf(request);

  return (source) =>
    new Observable<Delta>((subscriber) => {
      const started = scheduler.now();
      const span: Span | undefined = tracer?.startSpan(model === undefined ? operationName : `${operationName} ${model}`, {
        kind: SPAN_KIND_CLIENT,
        attributes: { ...base, ...requestAttributes },
      });
      const metricAttributes: Attributes = { ...base };
      let deltas = 0;
      let content = 0;
      let firstContentAt = -1;
      let lastContentAt = -1;
      let stalls = 0;
      let maxGap = 0;
      let resets = 0;
      let inputTokens: number | undefined;
      let outputTokens: number | undefined;
      let ended = false;

      const set = (key: string, value: string | number | boolean | string[]) => {
        span?.setAttribute(key, value);
      };

      const end = (error: unknown, hasError: boolean) => {
        if (ended) return;
        ended = true;
        const now = scheduler.now();
        set('rxllm.delta_count', deltas);
        set('rxllm.content_deltas', content);
        set('rxllm.stall_count', stalls);
        set('rxllm.max_gap_ms', maxGap);
        if (resets > 0) set('rxllm.reset_count', resets);
        if (content > 1 && lastContentAt > firstContentAt) set('rxllm.deltas_per_second', ((content - 1) * 1000) / (lastContentAt - firstContentAt));
        if (hasError) {
          const type = error instanceof Error ? error.name : typeof error;
          metricAttributes['error.type'] = type;
          set('error.type', type);
          set('rxllm.error.retryable', error instanceof ProviderError ? error.retryable : isTransientError(error));
          if (span !== undefined) {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
          }
        }
        span?.end();
        duration?.record((now - started) / 1000, metricAttributes);
        if (inputTokens !== undefined) tokens?.record(inputTokens, { ...metricAttributes, 'gen_ai.token.type': 'input' });
        if (outputTokens !== undefined) tokens?.record(outputTokens, { ...metricAttributes, 'gen_ai.token.type': 'output' });
      };

      operate(source, subscriber, {
        next(delta) {
          const now = scheduler.now();
          if (deltas++ === 0) set('rxllm.time_to_first_delta_ms', now - started);
          switch (delta.type) {
            case 'metadata':
              if (provider === undefined) {
                set('gen_ai.provider.name', delta.provider);
                metricAttributes['gen_ai.provider.name'] = delta.provider;
              }
              if (delta.id !== undefined) set('gen_ai.response.id', delta.id);
              if (delta.model !== undefined) {
                set('gen_ai.response.model', delta.model);
                metricAttributes['gen_ai.response.model'] = delta.model;
              }
              break;
            case 'usage':
              if (delta.inputTokens !== undefined) set('gen_ai.usage.input_tokens', (inputTokens = delta.inputTokens));
              if (delta.outputTokens !== undefined) set('gen_ai.usage.output_tokens', (outputTokens = delta.outputTokens));
              break;
            case 'finish':
              set('gen_ai.response.finish_reasons', [delta.raw ?? delta.reason]);
              break;
            case 'reset':
              resets++;
              break;
            default:
              if (isContentDelta(delta)) {
                if (firstContentAt < 0) {
                  firstContentAt = now;
                  set('rxllm.time_to_first_content_ms', now - started);
                } else {
                  const gap = now - lastContentAt;
                  if (gap > maxGap) maxGap = gap;
                  if (gap > stallMs) stalls++;
                }
                lastContentAt = now;
                content++;
              }
          }
          subscriber.next(delta);
        },
        error(err: unknown) {
          end(err, true);
          subscriber.error(err);
        },
        complete() {
          end(undefined, false);
          subscriber.complete();
        },
      });
      return () => {
        if (ended) return;
        try {
          set('rxllm.cancelled', true);
          end(undefined, false);
        } catch {
          // teardown never throws: with the subscriber gone, a failing tracer has nowhere to report to
          ended = true;
        }
      };
    });
}

/** The `gen_ai.request.*` attributes of a request. */
function requestAttributesOf(request: ChatRequest): Attributes {
  const out: Attributes = {};
  if (request.maxTokens !== undefined) out['gen_ai.request.max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) out['gen_ai.request.temperature'] = request.temperature;
  if (request.topP !== undefined) out['gen_ai.request.top_p'] = request.topP;
  if (request.stop !== undefined) out['gen_ai.request.stop_sequences'] = [...request.stop];
  if (request.seed !== undefined) out['gen_ai.request.seed'] = request.seed;
  return out;
}
