/**
 * The provider table that the conformance suite (test/conformance.test.ts) and the fault matrix
 * (test/faults/) run their one set of expectations over: one entry per adapter of
 * `src/providers/adapters.ts`, its client and source the adapter's own (a loopback replay
 * server as `baseURL`), plus what the tests expect of it, kept here by adapter name: which
 * recorded fixtures it replays, the error codes of its error events and HTTP errors, how to build
 * the non-streaming reply of a fixture, and how the pure mapper reads a fixture's first N events
 * (the `partial` a fault after N events must leave). An adapter without expectations fails the
 * suites, naming it.
 */
import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { EventSourceMessage } from 'eventsource-parser';
import type { Observable } from 'rxjs';
import type { ChatRequest } from '../../src/core/chat-request.ts';
import type { Delta, DeltaSink, FinishReason } from '../../src/core/delta.ts';
import { adapters } from '../../src/providers/adapters.ts';
import { AnthropicEventMapper } from '../../src/providers/anthropic/index.ts';
import { ConverseStreamMapper, metadataDelta } from '../../src/providers/bedrock/decode-stream.ts';
import { GeminiChunkMapper } from '../../src/providers/google/index.ts';
import { ChatStreamMapper, ResponsesStreamMapper } from '../../src/providers/openai/index.ts';
import { startReplayServer, type ReplayServer } from '../../src/replay/server.ts';
import type { ProviderAdapter } from '../../src/sources/provider-adapter.ts';
import { anthropicMessageFromEvents } from './anthropic-nonstream.ts';
import { converseResponseOf } from './bedrock-nonstream.ts';
import { listCases, loadCase, type FixtureCase } from './fixtures.ts';
import { geminiResponseFromEvents } from './gemini-nonstream.ts';
import { chatCompletionFromEvents, responseFromEvents } from './openai-nonstream.ts';
import { sseEvents } from './openai-events.ts';

/** The API key the security cases give every client (through its environment); they grep errors for it. */
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
  /** Releases the client (its kept-alive connections). */
  close(): void;
}

/** What a provider's default in-stream error event (`errorEvent` of its replay codec) becomes. */
export interface ExpectedError {
  readonly code: string;
  readonly status: number | undefined;
}

/** What the tests expect of one adapter, and the test-side builders they compare with. */
interface Expectations {
  /** Fixture folders this source replays. */
  readonly folders: readonly string[];
  /** The fixture the fault matrix injects its faults into, and the event count of its mid-stream faults. */
  readonly faultCase: string;
  readonly midStream: number;
  /** What the default error event maps to. */
  readonly errorEvent: ExpectedError;
  /** The `code` an HTTP error of `status` (as the replay codec's `httpError` shapes it) maps to. */
  httpCode(status: number): string | undefined;
  /** The non-streaming endpoint's JSON body for the same response as `c`'s stream. */
  nonStreamBody(c: FixtureCase): unknown;
  /** The pure mapper over `c`'s first `n` wire events (all by default). */
  map(c: FixtureCase, n?: number): Mapped;
  /** The model asked for (default: the fixture's). */
  readonly model?: (c: FixtureCase) => string;
  /** The environment that makes the client send `key` (default: every key variable of the adapter set to it). */
  readonly credentials?: (key: string) => Record<string, string>;
  /** What of those credentials goes out in the request headers (default: the key itself). */
  readonly sentCredential?: (key: string) => string;
}

/** One rxllm source in the table: an adapter and what the tests expect of it. */
export interface ProviderEntry extends Omit<Expectations, 'model' | 'credentials' | 'sentCredential'> {
  /** The adapter's name: rxllm's provider name, in `metadata` and on every error. */
  readonly name: string;
  readonly provider: string;
  /** The replay format (`adapter.replay.format`). */
  readonly format: string;
  readonly adapter: ProviderAdapter;
  /** What goes out in the request headers when the client was given `key`. */
  sentCredential(key: string): string;
  /** The adapter's client at `url` (`maxRetries: 0`), sending `apiKey` when given (placeholder credentials otherwise). */
  connect(url: string, apiKey?: string): Promise<Connection>;
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

/** The expectations, by adapter name. */
const EXPECTATIONS: Readonly<Record<string, Expectations>> = {
  openai: {
    folders: ['openai-chat', 'openai-compatible'],
    faultCase: 'openai-chat/text',
    midStream: 6,
    errorEvent: { code: 'server_error', status: undefined },
    httpCode: openaiHttpCode,
    nonStreamBody: (c) => chatCompletionFromEvents(c.events),
    map: (c, n) => mapSSE(c, n, (out) => new ChatStreamMapper(out)),
  },
  'openai-responses': {
    folders: ['openai-responses'],
    faultCase: 'openai-responses/text',
    midStream: 6,
    errorEvent: { code: 'server_error', status: undefined },
    httpCode: openaiHttpCode,
    nonStreamBody: (c) => responseFromEvents(c.events),
    map: (c, n) => mapSSE(c, n, (out) => new ResponsesStreamMapper(out)),
  },
  anthropic: {
    folders: ['anthropic'],
    faultCase: 'anthropic/text',
    midStream: 5,
    errorEvent: { code: 'overloaded_error', status: undefined },
    httpCode: (status) =>
      status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error',
    nonStreamBody: (c) => anthropicMessageFromEvents(c.events),
    map: (c, n) => mapSSE(c, n, (out) => new AnthropicEventMapper(out)),
    // a model name the SDK has no deprecation warning for (the recorded ones are deprecated)
    model: () => 'claude-test',
  },
  google: {
    folders: ['gemini'],
    faultCase: 'gemini/thought',
    midStream: 6,
    errorEvent: { code: 'UNAVAILABLE', status: 503 },
    httpCode: (status) => (status === 401 ? 'UNAUTHENTICATED' : status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE'),
    nonStreamBody: (c) => geminiResponseFromEvents(c.events),
    map: (c, n) => mapEach(sseEvents(c).slice(0, n), (out) => new GeminiChunkMapper(out), (mapper, event) => mapper.map(JSON.parse(event.data))),
  },
  bedrock: {
    folders: ['bedrock'],
    faultCase: 'bedrock/text',
    midStream: 6,
    errorEvent: { code: 'ModelStreamErrorException', status: 500 },
    httpCode: (status) =>
      status === 401 || status === 403 ? 'UnrecognizedClientException' : status === 429 ? 'ThrottlingException' : 'InternalServerException',
    nonStreamBody: (c) => converseResponseOf(c.events),
    map: (c, n) =>
      mapEach(
        c.events.slice(0, n),
        (out) => new ConverseStreamMapper(out, metadataDelta(c.model, undefined)),
        (mapper, event) => mapper.onEvent(event as ConverseStreamOutput),
      ),
    // Bedrock signs with the secret: only the access key id goes out
    credentials: (key) => ({ AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: key }),
    sentCredential: () => 'AKIDTEST',
  },
};

/** The request every table source sends. */
const REQUEST: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };

/**
 * The table entry of `adapter`.
 * @throws Error naming the adapter when there are no expectations for it.
 */
export function entryOf(adapter: ProviderAdapter): ProviderEntry {
  const expected = EXPECTATIONS[adapter.name];
  if (expected === undefined) {
    throw new Error(
      `test/support/conformance.ts has no expectations for the adapter '${adapter.name}' of src/providers/adapters.ts: ` +
        'add its fixture folders, fault case, error codes, non-streaming body and pure mapper to EXPECTATIONS.',
    );
  }
  const { model = (c: FixtureCase) => c.model, credentials, sentCredential = (key: string) => key, ...rest } = expected;
  const env = credentials ?? ((key: string) => Object.fromEntries(adapter.environment.keys.map((name) => [name, key])));
  return {
    ...rest,
    name: adapter.name,
    provider: adapter.name,
    format: adapter.replay!.format,
    adapter,
    sentCredential,
    async connect(url, apiKey) {
      const { client } = await adapter.createClient({ env: apiKey === undefined ? {} : env(apiKey), baseURL: url, maxRetries: 0 });
      return {
        source: (c, options) => adapter.source(client, adapter.toParams(REQUEST, model(c)).params, options),
        close: () => (client as { destroy?: () => void }).destroy?.(),
      };
    },
  };
}

/**
 * Every adapter of `src/providers/adapters.ts` that has a wire to replay, in its order. An
 * in-process adapter (the local model) has no wire: its conformance runs on real inference in
 * test/llama-cpp.test.ts.
 */
export const wireAdapters = adapters.filter((adapter) => adapter.replay !== undefined);
export const providers: readonly ProviderEntry[] = wireAdapters.map(entryOf);

// Each adapter imports its SDK when it builds its first client: build one of each now, so that no
// test's timing (the fault matrix's 150 ms stalls run while other providers connect) includes an
// SDK import.
await Promise.all(wireAdapters.map((adapter) => adapter.createClient({ env: {}, baseURL: 'http://127.0.0.1:9', maxRetries: 0 })));

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

/** A replay server, and `entry`'s client of it. */
export async function serve(entry: ProviderEntry, apiKey?: string): Promise<{ server: ReplayServer; connection: Connection; close(): Promise<void> }> {
  const server = await startReplayServer(undefined, { record: true });
  const connection = await entry.connect(server.url, apiKey);
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
