/**
 * The replay server's wire formats, looked up in the one provider table: each provider's replay
 * codec (`src/providers/<name>/replay.ts`) knows its routes, event encoding and error payloads.
 *
 * Node-only, internal: used by the `rxllm` CLI's offline replay and by the test suite.
 * @internal
 * @module
 */
import { adapterOfFormat, adapters } from '../providers/adapters.ts';
import type { ReplayCodec, ReplayEvent } from '../sources/provider-adapter.ts';

/** The wire formats the replay server speaks (each adapter's `replay.format`). */
export type WireFormat = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock' | (string & {});

/** One recorded SSE event (`data` is JSON or a string such as `[DONE]`), or a Bedrock frame `{ type: payload }`. */
export type WireEvent = ReplayEvent;

/**
 * The codec of `format`.
 * @throws TypeError for a format no adapter has.
 */
export function codecOf(format: WireFormat): ReplayCodec {
  const codec = adapterOfFormat(format)?.replay;
  if (codec === undefined) throw new TypeError(`no provider adapter replays the wire format '${format}' (known: ${adapters.flatMap((a) => (a.replay === undefined ? [] : [a.replay.format])).join(', ')}).`);
  return codec;
}

/** Encodes one event as the provider sends it (after `codecOf(format).ready()` where the codec has one). */
export function encodeEvent(format: WireFormat, event: WireEvent): Uint8Array {
  return codecOf(format).encodeEvent(event);
}

/** Splits a byte-exact recorded body into its events. */
export function splitBody(format: WireFormat, body: Uint8Array): Uint8Array[] {
  return codecOf(format).splitBody(body);
}

/** A provider's in-stream error event (what it sends mid-stream when generation fails). */
export function errorEvent(format: WireFormat, message?: string): WireEvent {
  return codecOf(format).errorEvent(message);
}

/** A provider's HTTP error response for `status`: headers and JSON body as the provider sends them. */
export function httpError(format: WireFormat, status: number): { headers: Readonly<Record<string, string>>; body: unknown } {
  return codecOf(format).httpError(status);
}

/** The replay route of a request path, or `undefined` when no provider's route matches. */
export function formatOfPath(path: string): { format: WireFormat; stream: boolean } | undefined {
  for (const adapter of adapters) {
    const route = adapter.replay?.route(path);
    if (route !== undefined) return { format: adapter.replay!.format, stream: route.stream };
  }
  return undefined;
}
