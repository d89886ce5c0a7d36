/**
 * `ProviderAdapter`: everything rxllm knows about one provider, behind one interface. The CLI,
 * the gateway, the replay server and the test suite iterate the one `adapters` list
 * (`src/providers/adapters.ts`) instead of switching on provider names.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { ChatRequest, IgnoredParam } from '../core/chat-request.ts';
import type { Delta, DeltaSink } from '../core/delta.ts';

/** What every source factory takes besides the provider's params. */
export interface SourceOptions {
  /** `true` (default): the streaming endpoint; `false`: the non-streaming call, mapped to the same kinds of deltas. */
  readonly stream?: boolean;
  /** Aborts the request; the source then errors with the signal's reason. Unsubscribing also aborts. */
  readonly signal?: AbortSignal;
}

/** A provider request built from a {@link ChatRequest}: the SDK's own params and what had no place in them. */
export interface Translation<Params> {
  readonly params: Params;
  /** Fields of the request the provider has no place for, left out (never silently). */
  readonly ignored: readonly IgnoredParam[];
  /**
   * Set when the provider answers `responseFormat` through a forced tool call (Bedrock): the
   * JSON answer then arrives as this tool call's arguments, not as text. `streamObject` reads it
   * from there.
   */
  readonly outputTool?: string;
}

/** How an adapter builds its SDK client from the environment. */
export interface ClientConfig {
  /** The environment to read keys and endpoints from (`process.env` in the CLI). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * A loopback server to send to instead of the provider (a replay), with placeholder
   * credentials; overrides the endpoint variables.
   */
  readonly baseURL?: string;
  /**
   * The SDK's retry count. The gateway passes 0: retries are its client's to make (one client
   * call must not become several upstream requests). Absent: the SDK's default.
   */
  readonly maxRetries?: number;
}

/** An SDK client and where it sends, for messages. */
export interface ProviderClient<Client> {
  readonly client: Client;
  /** The endpoint the client sends to (base URL or regional endpoint). */
  readonly endpoint: string;
}

/** The environment variables a provider reads, for `--help` and error messages. */
export interface ProviderEnvironment {
  /** Variables that hold the credentials; any one of them is enough (`OPENAI_API_KEY`; `GEMINI_API_KEY`, `GOOGLE_API_KEY`). */
  readonly keys: readonly string[];
  /** The variable that moves the endpoint (`OPENAI_BASE_URL`), if any. */
  readonly endpoint?: string;
  /** Where to get a key, for the missing-key message. */
  readonly keyHelp: string;
  /**
   * True when the keys are not required because the SDK finds credentials itself (Bedrock's AWS
   * chain); `required` then names what must be set instead (`AWS_REGION`).
   */
  readonly required?: readonly string[];
}

/**
 * One wire format of the loopback replay server: the provider's routes, how its events are
 * encoded, and the errors it sends. Used by `rxllm chat` / `rxllm serve` replays and by tests.
 */
export interface ReplayCodec {
  /** The format's name in recordings and replies (`openai-chat`, `anthropic`, `gemini`, `bedrock`, …). */
  readonly format: string;
  /** The `content-type` of a streamed body. */
  readonly contentType: string;
  /** Loads what `encodeEvent` needs (Bedrock's frame codec); the replay server awaits it before a stream. */
  ready?(): Promise<void>;
  /** Whether a request path is this format's endpoint, and whether it streams; `undefined` when it is not. */
  route(path: string): { readonly stream: boolean } | undefined;
  /** One recorded event in the provider's wire encoding (an SSE block, an event-stream frame). */
  encodeEvent(event: ReplayEvent): Uint8Array;
  /** Splits a byte-exact recorded body into its events. */
  splitBody(body: Uint8Array): Uint8Array[];
  /** Bytes the provider's decoder must reject as malformed (an SSE `data:` line that is not JSON, a frame with a bad length). */
  malformedEvent(text?: string): Uint8Array;
  /** The in-stream error event the provider sends when generation fails mid-stream. */
  errorEvent(message?: string): ReplayEvent;
  /** The HTTP error response the provider answers `status` with. */
  httpError(status: number): { readonly headers: Readonly<Record<string, string>>; readonly body: unknown };
  /** A fresh decoder of recorded events of this format (one per replay), writing deltas into `out`. */
  decoder(out: DeltaSink, model?: string): RecordedDecoder;
  /** Whether a recorded event (its parsed `data`, or a frame `{ type: payload }`) is of this format. */
  recognizes(event: ReplayEvent, data: unknown): boolean;
}

/** The decoder of one recording: feeds recorded events, says when the provider's terminal event came. */
export interface RecordedDecoder {
  feed(event: ReplayEvent): void;
  readonly done: boolean;
  /** rxllm's provider name, for errors. */
  readonly provider: string;
  /** The provider's terminal event, for a truncation's message. */
  readonly terminal: string;
}

/** One recorded event: an SSE event `{ event?, data, comment? }`, or a binary frame `{ eventType: payload }`. */
export type ReplayEvent = { event?: string; data?: unknown; comment?: string } | Record<string, unknown>;

/**
 * One provider, whole: its name, SDK, default model, environment, client, request translation,
 * source factory and replay codec. `Client` is the SDK client type, `Params` the SDK's request
 * params (without `stream`).
 */
export interface ProviderAdapter<Client = any, Params = any> {
  /** rxllm's provider name: the `provider` of its `metadata` deltas and errors, the `--provider` value. */
  readonly name: string;
  /** Other names `--provider` accepts (`local` for `llama-cpp`). */
  readonly aliases?: readonly string[];
  /** One line for `--help`. */
  readonly description: string;
  /** The official SDK package (an optional peer dependency of rxllm). */
  readonly sdkPackage: string;
  /** The model used when none is given. */
  readonly defaultModel: string;
  readonly environment: ProviderEnvironment;
  /**
   * Builds the SDK client (importing the SDK only now: it is an optional peer).
   * @throws MissingCredentialsError when the key (or region) is not set, naming the variable;
   * `SdkNotInstalledError` when the SDK package is missing.
   */
  createClient(config: ClientConfig): Promise<ProviderClient<Client>>;
  /**
   * Translates a {@link ChatRequest} into the SDK's params for `model`. Pure.
   * @throws UnsupportedRequestError when the request holds something the provider cannot take
   * and that cannot be left out without changing the question (an image URL where only bytes go).
   */
  toParams(request: ChatRequest, model: string): Translation<Params>;
  /** The cold source over the SDK (the provider's native factory). */
  source(client: Client, params: Params, options?: SourceOptions): Observable<Delta>;
  /** The replay server's codec of this provider's wire; absent for a provider without one (an in-process model). */
  readonly replay?: ReplayCodec;
  /**
   * For a provider that speaks the OpenAI Chat Completions wire itself (OpenAI and compatible
   * servers): its params from a Chat Completions request body as the gateway received it, with
   * `model` set, so nothing of the body is lost in translation. The gateway uses it instead of
   * `toParams` when present. `ignored` names what it leaves out.
   */
  paramsFromChatCompletionsBody?(body: Readonly<Record<string, unknown>>, model: string): Translation<Params>;
  /**
   * The provider continues a trailing assistant message (assistant prefill: Anthropic), so
   * `continueFrom` can send the text so far as the start of the answer instead of asking in a new
   * user turn. Default false.
   */
  readonly assistantPrefill?: boolean;
  /**
   * Recognises this provider's "streaming is not supported for this request" errors (its SDK's
   * raw errors, and rxllm errors that keep one as `cause`). The provider's source uses the same
   * recognition where it maps the SDK's error, so it raises such a refusal as a
   * `StreamingUnsupportedError`, which `fallbackToNonStreaming`'s default `when`
   * (`isStreamingUnsupported`) takes without provider knowledge; pass this function as `when` for
   * raw SDK errors. The gateway's fallback takes an error that this or `isStreamingUnsupported`
   * recognises. Absent: the provider has no such refusal to recognise.
   */
  isStreamingUnsupported?(error: unknown): boolean;
}
