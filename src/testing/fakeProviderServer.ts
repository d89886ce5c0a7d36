/**
 * `fakeProviderServer`: a loopback server that answers the official provider SDKs with a recorded
 * stream, with faults on demand. Node only (`rxllm/testing/server`).
 * @module
 */
import { RxllmError } from '../core/errors.ts';
import { startReplayServer, type Fault, type ReceivedRequest, type ReplayServer } from '../replay/server.ts';
import { formatOfPath } from '../replay/wire.ts';
import { loadRecording } from './load-recording.ts';
import { detectFormat, type RecordingFormat } from './recorded-decoder.ts';
import type { Recording } from './replayFixture.ts';

export type { Fault, ReceivedRequest };

/** Options of {@link fakeProviderServer}. */
export interface FakeProviderServerOptions {
  /** What every streaming request is answered with: a bundled recording's name, a `.jsonl` path, or `{ events, format? }`. */
  readonly recording: string | Recording;
  /**
   * A fault after some events: `{ kind: 'drop', afterEvents }` (connection destroyed),
   * `'stall'` (kept open, silent), `'malformed'` (a line that is not JSON), `'error-event'` (the
   * provider's in-stream error), or `{ kind: 'http', status }` (an HTTP error in the provider's shape).
   */
  readonly fault?: Fault;
  /** How the body is cut into writes: one per event (default), at random byte boundaries, or all at once. */
  readonly chunking?: 'event' | 'random' | 'whole';
  /** ms between events (default 0: as fast as the client reads). */
  readonly delayMs?: number;
  /** Speak HTTP/2 (h2c), as the Bedrock Runtime client does by default. Default: true for a Bedrock recording. */
  readonly http2?: boolean;
}

/** A running {@link fakeProviderServer}. */
export interface FakeProviderServer {
  /** `http://127.0.0.1:PORT`: the SDK's base URL (OpenAI: `${url}/v1`; Anthropic: `url`; Gemini: `httpOptions.baseUrl`; Bedrock: `endpoint`). */
  readonly url: string;
  /** The recording's wire format. */
  readonly format: RecordingFormat;
  /** Every request received (method, path, headers, parsed JSON body), in order. */
  readonly requests: readonly ReceivedRequest[];
  /** Answers the following requests with another fault (or none). */
  setFault(fault: Fault | undefined): void;
  /** Connections open now: 0 after a client aborted and the server saw it. */
  openConnections(): number;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server (127.0.0.1, a free port) that answers the provider SDK of a
 * recording's format with the recorded stream, for tests that run the real SDK and rxllm source
 * (or your own code on top) without a network or an API key: the same server rxllm's own
 * provider tests use. Requests on the format's streaming route get the recording, encoded as the
 * provider sends it; other routes get 404.
 *
 * @example
 * ```ts
 * const server = await fakeProviderServer({ recording: 'openai-text', fault: { kind: 'drop', afterEvents: 5 } });
 * const client = new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1`, maxRetries: 0 });
 * await expect(lastValueFrom(fromOpenAI(client, params))).rejects.toBeInstanceOf(StreamTruncatedError);
 * await server.close();
 * ```
 *
 * @param options `recording`, and `fault`, `chunking`, `delayMs`, `http2`.
 * @return The running server; `close()` it after the test.
 * @throws RxllmError when the recording cannot be read or its format cannot be told.
 */
export async function fakeProviderServer(options: FakeProviderServerOptions): Promise<FakeProviderServer> {
  const recording = options.recording;
  const events = typeof recording === 'string' ? loadRecording(recording) : recording.events;
  const format = (typeof recording === 'string' ? undefined : recording.format) ?? detectFormat(events);
  if (format === undefined) throw new RxllmError("fakeProviderServer: the recording's format cannot be told from its events; pass { events, format }.");
  let fault = options.fault;
  const reply = () => ({
    format,
    events,
    ...(fault === undefined ? {} : { fault }),
    ...(options.chunking === undefined ? {} : { chunking: options.chunking }),
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
  });
  const server: ReplayServer = await startReplayServer(
    (request) => (formatOfPath(request.path.split('?')[0]!)?.format === format ? reply() : undefined),
    // a test server keeps every request it received (headers and body) for the test's assertions
    { http2: options.http2 ?? format === 'bedrock', record: true },
  );
  return {
    url: server.url,
    format,
    requests: server.requests,
    setFault: (next) => void (fault = next),
    openConnections: () => server.openSockets(),
    close: () => server.close(),
  };
}
