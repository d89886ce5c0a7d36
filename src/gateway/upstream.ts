/**
 * Where `rxllm serve` sends a request: one provider's SDK client and rxllm source, the
 * request translated for it, and the configured operators around it.
 * @internal
 */
import type { Observable } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { fallbackToNonStreaming } from '../operators/fallbackToNonStreaming.ts';
import { splitReasoning } from '../operators/splitReasoning.ts';
import { timeoutIdle } from '../operators/timeoutIdle.ts';
import { anthropicClient, bedrockClient, type Endpoint, googleClient, openAIClient, type ProviderName } from '../cli/providers.ts';
import type { ChatRequest } from './parse-chat-request.ts';
import { ANTHROPIC_UNSUPPORTED, toAnthropicParams } from '../providers/anthropic/to-params.ts';
import { BEDROCK_UNSUPPORTED, toBedrockInput } from '../providers/bedrock/to-params.ts';
import { GOOGLE_UNSUPPORTED, toGoogleParams } from '../providers/google/to-params.ts';
import { toOpenAIParams } from '../providers/openai/to-params.ts';

/** One provider behind the server. */
export interface Upstream extends Endpoint {
  readonly provider: ProviderName;
  /** The model every request goes to. */
  readonly model: string;
  /**
   * Body fields the translation leaves out besides `ChatRequest.unmapped` (Anthropic's
   * `temperature`, …); none for OpenAI, which gets the body as it is.
   */
  readonly unsupported: readonly string[];
  /**
   * The cold source of one request: translated for the provider now (so a request it cannot
   * carry is refused before any answer starts), sent on subscribe, aborted on unsubscribe.
   * `stream: false` uses the provider's non-streaming call.
   * @throws InvalidRequestError when the request cannot be translated.
   */
  source(request: ChatRequest, stream: boolean): Observable<Delta>;
}

/** How to reach the provider. */
export interface UpstreamConfig {
  readonly provider: ProviderName;
  readonly model: string;
  readonly env: NodeJS.ProcessEnv;
  /** A loopback server (a replay) to send to instead of the provider, with placeholder credentials. */
  readonly replayURL?: string | undefined;
  /**
   * The server behind has streams only (the embedded replays are recorded streams): every call
   * streams, and a non-streaming request is answered from the collected stream.
   */
  readonly streamOnly?: boolean;
}

/**
 * The provider's SDK client (built once; imported only now, as SDKs are optional peers) and a
 * source factory over it. Throws a usage `CliError` for a missing key or region, a `CliError` for
 * an SDK that is not installed.
 */
export async function createUpstream(config: UpstreamConfig): Promise<Upstream> {
  const { provider, model, env, replayURL } = config;
  const streams = (stream: boolean) => config.streamOnly === true || stream;
  switch (provider) {
    case 'openai': {
      const { client, compatible: _compatible, ...where } = await openAIClient(env, replayURL);
      const { fromOpenAI } = await import('../providers/openai/from-openai.ts');
      return { provider, model, unsupported: [], ...where, source: (r, s) => fromOpenAI(client, toOpenAIParams(r, model, streams(s)), { stream: streams(s) }) };
    }
    case 'anthropic': {
      const { client, ...where } = await anthropicClient(env, replayURL);
      const { fromAnthropic } = await import('../providers/anthropic/from-anthropic.ts');
      return { provider, model, unsupported: ANTHROPIC_UNSUPPORTED, ...where, source: (r, s) => fromAnthropic(client, toAnthropicParams(r, model), { stream: streams(s) }) };
    }
    case 'google': {
      const { client, ...where } = await googleClient(env, replayURL);
      const { fromGoogle } = await import('../providers/google/from-google.ts');
      return { provider, model, unsupported: GOOGLE_UNSUPPORTED, ...where, source: (r, s) => fromGoogle(client, toGoogleParams(r, model), { stream: streams(s) }) };
    }
    case 'bedrock': {
      const { client, ...where } = await bedrockClient(env, replayURL);
      const { fromBedrock } = await import('../providers/bedrock/from-bedrock.ts');
      return { provider, model, unsupported: BEDROCK_UNSUPPORTED, ...where, source: (r, s) => fromBedrock(client, toBedrockInput(r, model), { stream: streams(s) }) };
    }
    default:
      throw new TypeError(`rxllm serve: unknown provider '${String(provider)}'.`);
  }
}

/** The operators `rxllm serve` applies, from its flags. */
export interface ServeOperators {
  /** `--split-reasoning`: `<think>…</think>` in the text becomes reasoning (`splitReasoning()`). */
  readonly splitReasoning?: boolean;
  /** `--idle-timeout`: streaming requests fail with `IdleTimeoutError` after this many ms without content (`timeoutIdle`). */
  readonly idleTimeoutMs?: number | undefined;
  /** `--fallback`: a streaming request the provider refuses to stream is sent again without streaming (`fallbackToNonStreaming`). */
  readonly fallback?: boolean;
}

/**
 * The deltas that answer `request`: the provider's stream when the client asked for one (then
 * `timeoutIdle`, `fallbackToNonStreaming` to the non-streaming call, `splitReasoning`, as
 * configured), else its non-streaming call (then `splitReasoning`; the idle timeout measures a
 * stream and does not apply).
 * @throws InvalidRequestError when the request cannot be translated for the provider.
 */
export function deltasFor(upstream: Upstream, request: ChatRequest, operators: ServeOperators): Observable<Delta> {
  let deltas = upstream.source(request, request.stream);
  if (request.stream) {
    if (operators.idleTimeoutMs !== undefined) deltas = deltas.pipe(timeoutIdle(operators.idleTimeoutMs));
    if (operators.fallback) deltas = deltas.pipe(fallbackToNonStreaming(() => upstream.source(request, false)));
  }
  if (operators.splitReasoning) deltas = deltas.pipe(splitReasoning());
  return deltas;
}
