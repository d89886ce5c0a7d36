/**
 * The provider table that the conformance suite (test/conformance.test.ts) and the fault matrix
 * (test/faults/) run their one set of expectations over: per rxllm source, how to reach it with
 * its official SDK through a loopback replay server, which recorded fixtures it replays, how to
 * build the non-streaming reply of a fixture, and how the pure mapper reads a fixture's first N
 * events (the `partial` a fault after N events must leave).
 */
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { GoogleGenAI } from '@google/genai';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import type { EventSourceMessage } from 'eventsource-parser';
import OpenAI from 'openai';
import type { Observable } from 'rxjs';
import type { Delta, DeltaSink, FinishReason } from '../../src/core/delta.ts';
import { AnthropicEventMapper, fromAnthropic } from '../../src/providers/anthropic/index.ts';
import { ConverseStreamMapper, metadataDelta } from '../../src/providers/bedrock/decode-stream.ts';
import { fromBedrock } from '../../src/providers/bedrock/index.ts';
import { fromGoogle, GeminiChunkMapper } from '../../src/providers/google/index.ts';
import { ChatStreamMapper, fromOpenAI, fromOpenAIResponses, ResponsesStreamMapper } from '../../src/providers/openai/index.ts';
import { startReplayServer, type ReplayServer } from '../../src/replay/server.ts';
import type { WireFormat } from '../../src/replay/wire.ts';
import { anthropicMessageFromEvents } from './anthropic-nonstream.ts';
import { converseResponseOf } from './bedrock-nonstream.ts';
import { listCases, loadCase, type FixtureCase } from './fixtures.ts';
import { geminiResponseFromEvents } from './gemini-nonstream.ts';
import { chatCompletionFromEvents, responseFromEvents } from './openai-nonstream.ts';
import { sseEvents } from './openai-events.ts';

/** The API key every table client sends; the security cases grep errors for it. */
export const FAKE_KEY = 'sk-test-SECRET-123';

/** Options a table source passes to its factory. */
export interface SourceOptions {
  readonly stream?: boolean;
  readonly signal?: AbortSignal;
}

/** One SDK client pointed at one replay server. */
export interface Connection {
  /** A cold source of `c`'s request (the fixture's model where the route carries it). */
  source(c: FixtureCase, options?: SourceOptions): Observable<Delta>;
  /** Releases the client (Bedrock's HTTP/2 sessions). */
  close(): void;
}

/** What a provider's default in-stream error event (`errorEvent` in src/replay/wire.ts) becomes. */
export interface ExpectedError {
  readonly code: string;
  readonly status: number | undefined;
}

/** One rxllm source in the table. */
export interface ProviderEntry {
  /** The table's name for the source (`openai-chat`, `openai-responses`, `anthropic`, `google`, `bedrock`). */
  readonly name: string;
  /** rxllm's provider name, in `metadata` and on every error. */
  readonly provider: string;
  readonly format: WireFormat;
  /** Fixture folders this source replays. */
  readonly folders: readonly string[];
  /** Bedrock's client speaks HTTP/2 by default: its replay server does too. */
  readonly http2: boolean;
  /** The fixture the fault matrix injects its faults into, and the event count of its mid-stream faults. */
  readonly faultCase: string;
  readonly midStream: number;
  /** What the default error event maps to. */
  readonly errorEvent: ExpectedError;
  /** The `code` an HTTP error of `status` (as `httpError` in src/replay/wire.ts shapes it) maps to. */
  httpCode(status: number): string | undefined;
  /** An SDK client at `url`, sending `apiKey`. */
  connect(url: string, apiKey?: string): Connection;
  /** The non-streaming endpoint's JSON body for the same response as `c`'s stream. */
  nonStreamBody(c: FixtureCase): unknown;
  /** The pure mapper over `c`'s first `n` wire events (all by default): the deltas, the error it threw, whether it saw the terminal event. */
  map(c: FixtureCase, n?: number): Mapped;
}

/** What a pure mapper gave for some wire events. */
export interface Mapped {
  readonly deltas: Delta[];
  readonly error: unknown;
  readonly done: boolean;
}

const openaiHttpCode = (status: number) => (status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : 'server_error');

/** Feeds `events` to a mapper built on a collecting sink, one by one (`feed`); stops at the first throw. */
function mapEach<E, M extends { readonly done: boolean }>(events: readonly E[], create: (out: DeltaSink) => M, feed: (mapper: M, event: E) => void): Mapped {
  const deltas: Delta[] = [];
  const mapper = create({ next: (d) => deltas.push(d) });
  let error: unknown;
  for (const event of events) {
    try {
      feed(mapper, event);
    } catch (err) {
      error = err;
      break;
    }
  }
  return { deltas, error, done: mapper.done };
}

/** A case's first `n` SSE events fed to an SSE mapper. */
const mapSSE = (c: FixtureCase, n: number | undefined, create: (out: DeltaSink) => { onEvent(e: EventSourceMessage): void; readonly done: boolean }) =>
  mapEach(sseEvents(c).slice(0, n), create, (mapper, event) => mapper.onEvent(event));

function openaiClient(url: string, apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
}

/** Every rxllm source, in the order of DESIGN.md. */
export const providers: readonly ProviderEntry[] = [
  {
    name: 'openai-chat',
    provider: 'openai',
    format: 'openai-chat',
    folders: ['openai-chat', 'openai-compatible'],
    http2: false,
    faultCase: 'openai-chat/text',
    midStream: 6,
    errorEvent: { code: 'server_error', status: undefined },
    httpCode: openaiHttpCode,
    connect(url, apiKey = FAKE_KEY) {
      const client = openaiClient(url, apiKey);
      return {
        source: (c, options) => fromOpenAI(client, { model: c.model, messages: [{ role: 'user', content: 'hi' }] }, options),
        close() {},
      };
    },
    nonStreamBody: (c) => chatCompletionFromEvents(c.events),
    map: (c, n) => mapSSE(c, n, (out) => new ChatStreamMapper(out)),
  },
  {
    name: 'openai-responses',
    provider: 'openai-responses',
    format: 'openai-responses',
    folders: ['openai-responses'],
    http2: false,
    faultCase: 'openai-responses/text',
    midStream: 6,
    errorEvent: { code: 'server_error', status: undefined },
    httpCode: openaiHttpCode,
    connect(url, apiKey = FAKE_KEY) {
      const client = openaiClient(url, apiKey);
      return { source: (c, options) => fromOpenAIResponses(client, { model: c.model, input: 'hi' }, options), close() {} };
    },
    nonStreamBody: (c) => responseFromEvents(c.events),
    map: (c, n) => mapSSE(c, n, (out) => new ResponsesStreamMapper(out)),
  },
  {
    name: 'anthropic',
    provider: 'anthropic',
    format: 'anthropic',
    folders: ['anthropic'],
    http2: false,
    faultCase: 'anthropic/text',
    midStream: 5,
    errorEvent: { code: 'overloaded_error', status: undefined },
    httpCode: (status) =>
      status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error',
    connect(url, apiKey = FAKE_KEY) {
      const client = new Anthropic({ apiKey, baseURL: url, maxRetries: 0 });
      return {
        // a model name the SDK has no deprecation warning for (the recorded ones are deprecated)
        source: (_c, options) => fromAnthropic(client, { model: 'claude-test', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] }, options),
        close() {},
      };
    },
    nonStreamBody: (c) => anthropicMessageFromEvents(c.events),
    map: (c, n) => mapSSE(c, n, (out) => new AnthropicEventMapper(out)),
  },
  {
    name: 'google',
    provider: 'google',
    format: 'gemini',
    folders: ['gemini'],
    http2: false,
    faultCase: 'gemini/thought',
    midStream: 6,
    errorEvent: { code: 'UNAVAILABLE', status: 503 },
    httpCode: (status) => (status === 401 ? 'UNAUTHENTICATED' : status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE'),
    connect(url, apiKey = FAKE_KEY) {
      const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: url } });
      return { source: (c, options) => fromGoogle(ai, { model: c.model, contents: 'hi' }, options), close() {} };
    },
    nonStreamBody: (c) => geminiResponseFromEvents(c.events),
    map: (c, n) => mapEach(sseEvents(c).slice(0, n), (out) => new GeminiChunkMapper(out), (mapper, event) => mapper.map(JSON.parse(event.data))),
  },
  {
    name: 'bedrock',
    provider: 'bedrock',
    format: 'bedrock',
    folders: ['bedrock'],
    http2: true,
    faultCase: 'bedrock/text',
    midStream: 6,
    errorEvent: { code: 'ModelStreamErrorException', status: 500 },
    httpCode: (status) =>
      status === 401 || status === 403 ? 'UnrecognizedClientException' : status === 429 ? 'ThrottlingException' : 'InternalServerException',
    connect(url, apiKey = FAKE_KEY) {
      // one HTTP/2 session per request, closed once its response is done, so each request's
      // connection can be watched on the server (the SDK's default shares one session)
      const client = new BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: url,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: apiKey },
        requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: true }),
      });
      return {
        source: (c, options) => fromBedrock(client, { modelId: c.model, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }, options),
        close: () => client.destroy(),
      };
    },
    nonStreamBody: (c) => converseResponseOf(c.events),
    map: (c, n) =>
      mapEach(
        c.events.slice(0, n),
        (out) => new ConverseStreamMapper(out, metadataDelta(c.model, undefined)),
        (mapper, event) => mapper.onEvent(event as ConverseStreamOutput),
      ),
  },
];

/** The entry named `name`. */
export function providerNamed(name: string): ProviderEntry {
  const entry = providers.find((p) => p.name === name);
  if (entry === undefined) throw new Error(`no provider ${name} in the conformance table`);
  return entry;
}

/** Every fixture of `entry`. */
export function casesOf(entry: ProviderEntry): FixtureCase[] {
  return listCases(...entry.folders);
}

/** `entry`'s fault fixture. */
export function faultCaseOf(entry: ProviderEntry): FixtureCase {
  return loadCase(entry.faultCase);
}

/** A replay server speaking `entry`'s transport, and a client of it. */
export async function serve(entry: ProviderEntry, apiKey?: string): Promise<{ server: ReplayServer; connection: Connection; close(): Promise<void> }> {
  const server = await startReplayServer(undefined, { http2: entry.http2, record: true });
  const connection = entry.connect(server.url, apiKey);
  return {
    server,
    connection,
    async close() {
      connection.close();
      await server.close();
    },
  };
}

export { streamReply } from './fixtures.ts';

/**
 * rxllm's finish reason for a fixture's raw expected finish (index.json `expect.finishReason`),
 * by the table in DESIGN.md and `FinishReason`'s docs, written out here apart from the mappers.
 * Gemini (`STOP`) and the Responses API (`completed`) do not tell a tool-call stop apart: rxllm
 * says `tool-calls` when the response made calls.
 */
export function expectedFinish(raw: string, hasToolCalls: boolean): FinishReason {
  switch (raw) {
    case 'stop':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'STOP':
    case 'completed':
      return hasToolCalls ? 'tool-calls' : 'stop';
    case 'tool_calls':
    case 'tool_use':
      return 'tool-calls';
    case 'length':
    case 'max_tokens':
    case 'MAX_TOKENS':
      return 'length';
    default:
      throw new Error(`no expected finish for raw ${raw}: add it to the table`);
  }
}

/** Whether a fixture's wire carries token usage (any `usage` / `usageMetadata` object in its events), read without rxllm. */
export function wireHasUsage(c: FixtureCase): boolean {
  return /"(usage|usageMetadata)":\{/.test(JSON.stringify(c.events));
}
