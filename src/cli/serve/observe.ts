/**
 * What `rxllm serve` tells its operator: Prometheus metrics (`GET /metrics`, through
 * prom-client) and one JSON access-log line per request.
 * @internal
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import type { GatewayContext } from '../../gateway/chat-completions.ts';

/** One request as it is observed, filled in while it is answered. */
export interface RequestRecord {
  readonly start: number;
  readonly method: string;
  readonly path: string;
  model?: string;
  stream?: boolean;
  deltas: number;
  firstDeltaMs?: number;
  finishReason?: string;
  errorType?: string;
  errorMessage?: string;
  /** The request as the provider got it (only with --log-bodies). */
  request?: unknown;
  /** The `x-rxllm-fault` header's spec, passed on to the embedded replay. */
  fault?: string;
  /** Counted once when the answer's stream was open. */
  streamOpen: boolean;
}

/** The request being answered, across the gateway's asynchronous steps. */
export const currentRequest = new AsyncLocalStorage<RequestRecord>();

/** The JSON access log line's fields. */
export interface AccessLogLine {
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly provider: string;
  readonly model: string | null;
  readonly stream: boolean | null;
  readonly ttfd_ms: number | null;
  readonly duration_ms: number;
  readonly deltas: number;
  readonly finish_reason: string | null;
  readonly error_type: string | null;
  readonly error: string | null;
  readonly bytes_out: number;
  readonly client_disconnected: boolean;
  readonly request?: unknown;
}

type PromClient = typeof import('prom-client');

/** The metrics of one server (its own registry). */
export class ServeMetrics {
  readonly registry: import('prom-client').Registry;
  private readonly requests: import('prom-client').Counter<'status' | 'path'>;
  private readonly activeStreams: import('prom-client').Gauge;
  private readonly deltas: import('prom-client').Counter<'type'>;
  private readonly firstDelta: import('prom-client').Histogram;
  private readonly duration: import('prom-client').Histogram<'stream'>;
  private readonly upstreamErrors: import('prom-client').Counter<'type'>;
  private readonly disconnects: import('prom-client').Counter;
  private readonly bytesOut: import('prom-client').Counter;

  private constructor(prom: PromClient, labels: { provider: string; model: string }) {
    this.registry = new prom.Registry();
    this.registry.setDefaultLabels(labels);
    const registers = [this.registry];
    this.requests = new prom.Counter({ name: 'rxllm_requests_total', help: 'HTTP requests answered, by status and path.', labelNames: ['status', 'path'], registers });
    this.activeStreams = new prom.Gauge({ name: 'rxllm_active_streams', help: 'Streaming answers open now.', registers });
    this.deltas = new prom.Counter({ name: 'rxllm_deltas_total', help: 'Deltas sent to clients, by delta type.', labelNames: ['type'], registers });
    this.firstDelta = new prom.Histogram({
      name: 'rxllm_time_to_first_delta_seconds',
      help: 'Time from the request to the first delta from the provider.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers,
    });
    this.duration = new prom.Histogram({
      name: 'rxllm_request_duration_seconds',
      help: 'Time from the request to the end of its answer.',
      labelNames: ['stream'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    this.upstreamErrors = new prom.Counter({ name: 'rxllm_upstream_errors_total', help: 'Failed answers, by error type.', labelNames: ['type'], registers });
    this.disconnects = new prom.Counter({ name: 'rxllm_client_disconnects_total', help: 'Clients that left before their answer ended.', registers });
    this.bytesOut = new prom.Counter({ name: 'rxllm_response_bytes_total', help: 'Bytes written to clients (headers and bodies).', registers });
    prom.collectDefaultMetrics({ register: this.registry, prefix: 'rxllm_' });
  }

  /** Loads prom-client (only `rxllm serve` needs it) and makes the metrics. */
  static async create(labels: { provider: string; model: string }): Promise<ServeMetrics> {
    const prom = await import('prom-client');
    return new ServeMetrics((prom as { default?: PromClient }).default ?? prom, labels);
  }

  /** The Prometheus text, and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** The gateway's last operator: counts deltas, first-delta time, open streams and errors of the current request. */
  observe(deltas: Observable<Delta>, context: GatewayContext): Observable<Delta> {
    return new Observable<Delta>((subscriber) => {
      const record = currentRequest.getStore();
      if (record !== undefined && context.stream && !record.streamOpen) {
        record.streamOpen = true;
        this.activeStreams.inc();
      }
      const subscription = deltas.subscribe({
        next: (delta) => {
          if (record !== undefined) {
            if (record.deltas++ === 0) {
              record.firstDeltaMs = performance.now() - record.start;
              this.firstDelta.observe(record.firstDeltaMs / 1000);
            }
            if (delta.type === 'finish') record.finishReason = delta.reason;
          }
          this.deltas.inc({ type: delta.type });
          subscriber.next(delta);
        },
        error: (error: unknown) => {
          const type = error instanceof Error ? error.name : typeof error;
          this.upstreamErrors.inc({ type });
          if (record !== undefined) {
            record.errorType = type;
            record.errorMessage = error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500);
          }
          subscriber.error(error);
        },
        complete: () => subscriber.complete(),
      });
      return () => subscription.unsubscribe();
    });
  }

  /** Counts an answered request (at its response's `close`). */
  finished(record: RequestRecord, status: number, path: string, bytes: number, disconnected: boolean): void {
    this.requests.inc({ status: String(status), path });
    this.duration.observe({ stream: String(record.stream === true) }, (performance.now() - record.start) / 1000);
    this.bytesOut.inc(bytes);
    if (disconnected) this.disconnects.inc();
    if (record.streamOpen) this.activeStreams.dec();
  }
}

/** The paths metrics keep apart (anything else is `other`, so clients cannot grow the label set). */
const KNOWN_PATHS = new Set(['/v1/chat/completions', '/v1/models', '/health', '/metrics']);

/**
 * Watches one request: runs `handle` with its record as the current request, and at the
 * response's `close` counts it and writes its access-log line.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  sinks: { readonly metrics: ServeMetrics | undefined; readonly log: ((line: AccessLogLine) => void) | undefined; readonly provider: string },
  handle: () => void,
): void {
  const record: RequestRecord = { start: performance.now(), method: req.method ?? 'GET', path: path.slice(0, 200), deltas: 0, streamOpen: false };
  const socket = req.socket;
  const bytesBefore = socket.bytesWritten;
  res.once('close', () => {
    const disconnected = !res.writableFinished;
    const status = res.headersSent ? res.statusCode : 499;
    const bytes = Math.max(0, socket.bytesWritten - bytesBefore);
    sinks.metrics?.finished(record, status, KNOWN_PATHS.has(path) ? path : path.startsWith('/v1/models/') ? '/v1/models/{id}' : 'other', bytes, disconnected);
    sinks.log?.({
      time: new Date().toISOString(),
      method: record.method,
      path: record.path,
      status,
      provider: sinks.provider,
      model: record.model ?? null,
      stream: record.stream ?? null,
      ttfd_ms: record.firstDeltaMs === undefined ? null : Math.round(record.firstDeltaMs),
      duration_ms: Math.round(performance.now() - record.start),
      deltas: record.deltas,
      finish_reason: record.finishReason ?? null,
      // an upstream failure's error class, else an answer refused by serve: its HTTP status
      error_type: record.errorType ?? (status >= 400 ? `http_${status}` : null),
      error: record.errorMessage ?? null,
      bytes_out: bytes,
      client_disconnected: disconnected,
      ...(record.request === undefined ? {} : { request: record.request }),
    });
  });
  currentRequest.run(record, handle);
}
