/**
 * The bytes the load server sends and the text a client must rebuild from them: synthetic
 * streams of N text deltas of 4 characters each, in OpenAI Chat Completions or Anthropic
 * Messages SSE, shaped like the recorded chunks in `test/fixtures/` (same fields, same order).
 *
 * Shared by the load server (to pre-encode bodies) and the measured clients (to verify text).
 */

/** The two wire formats the bench speaks. */
export type Format = 'openai' | 'anthropic';

/**
 * How the server writes a stream: as fast as the client reads, 1–5 events per write, one delta
 * per 50 ms, or (`paced`, the `rxllm serve` scenario only) one delta per {@link PACED_PERIOD_MS}
 * stamped with its send time (see {@link encodePacedDelta}), or (`paced-real`, the gateway
 * scenario) one write of 1–5 such deltas per {@link PACED_PERIOD_MS}, as `real` writes them.
 */
export type WriteMode = 'fast' | 'real' | 'slow' | 'paced' | 'paced-real';

/** Mulberry32: a small seeded PRNG, so every client gets the same write sizes. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many events the `real` modes put in one write: 1–5, 3 on average. */
export function eventsPerWrite(next: () => number): number {
  return 1 + Math.floor(next() * 5);
}

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ';

/** The text fragments, 4 characters each (JSON-safe: no quotes, backslashes or control characters). */
if (LOREM.length % 4 !== 0) throw new Error('bench/wire.ts: LOREM must be a whole number of 4-character pieces');
const PIECES: readonly string[] = Array.from({ length: LOREM.length / 4 }, (_, i) => LOREM.slice(i * 4, i * 4 + 4));

/** The text fragment of delta `i` (0-based). */
export function piece(i: number): string {
  return PIECES[i % PIECES.length]!;
}

/** The full text of a stream of `n` deltas: what every client must produce. */
export function expectedText(n: number): string {
  const whole = Math.floor(n / PIECES.length);
  let text = LOREM.repeat(whole);
  for (let i = whole * PIECES.length; i < n; i++) text += piece(i);
  return text;
}

/** One stream's SSE events, each encoded as the provider sends it. */
export interface EncodedStream {
  /** Events before the first text delta (OpenAI: the role chunk; Anthropic: message_start, content_block_start, ping). */
  readonly head: readonly Buffer[];
  /** One event per text delta. */
  readonly deltas: readonly Buffer[];
  /** Events after the last text delta, up to the terminal one (`[DONE]`, `message_stop`). */
  readonly tail: readonly Buffer[];
}

const sse = (data: string, event?: string): Buffer =>
  Buffer.from(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`);

/** The events of a stream of `n` text deltas in `format`. Equal fragments share one Buffer. */
export function encodeStream(format: Format, n: number): EncodedStream {
  const byPiece = new Map<string, Buffer>();
  const deltas: Buffer[] = new Array(n);
  const encodeDelta = deltaEncoder[format];
  for (let i = 0; i < n; i++) {
    const text = piece(i);
    let event = byPiece.get(text);
    if (event === undefined) byPiece.set(text, (event = encodeDelta(text)));
    deltas[i] = event;
  }
  return format === 'openai' ? { head: openaiHead(), deltas, tail: openaiTail(n) } : { head: anthropicHead(), deltas, tail: anthropicTail(n) };
}

/** Digits of the send time after each fragment of a paced stream. */
const STAMP_DIGITS = 16;

const DIGITS = new RegExp(`^[0-9]{${STAMP_DIGITS}}$`);

/** Characters of one paced delta's text: the 4-character fragment, then its send time in µs, zero-padded. */
export const PACED_DELTA_CHARS = 4 + STAMP_DIGITS;

/** The interval between two deltas of one paced stream, in ms. */
export const PACED_PERIOD_MS = 50;

/**
 * The monotonic clock in µs (`process.hrtime`: CLOCK_MONOTONIC on Linux, one clock for every
 * process of the machine, so a time stamped by the load server can be compared with a client's).
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The event of delta `i` of a paced stream, sent at `sentUs` (see {@link monotonicUs}): fragment `i`, then the time. */
export function encodePacedDelta(format: Format, i: number, sentUs: number): Buffer {
  return deltaEncoder[format](piece(i) + String(sentUs).padStart(STAMP_DIGITS, '0'));
}

/**
 * The send time (µs) of delta `i` of a paced stream's text; throws when the text there is not
 * fragment `i` followed by {@link STAMP_DIGITS} digits (the stream was cut, reordered or altered).
 */
export function readPacedDelta(text: string, i: number): number {
  const at = i * PACED_DELTA_CHARS;
  const stamp = text.slice(at + 4, at + PACED_DELTA_CHARS);
  const sentUs = Number(stamp);
  if (text.slice(at, at + 4) !== piece(i) || !DIGITS.test(stamp) || !Number.isSafeInteger(sentUs)) {
    throw new Error(`wrong text for paced delta ${i}: ${JSON.stringify(text.slice(at, at + PACED_DELTA_CHARS))}, expected ${JSON.stringify(piece(i))} and ${STAMP_DIGITS} digits`);
  }
  return sentUs;
}

// OpenAI Chat Completions, as in test/fixtures/openai-chat/text-long.jsonl (stream_options.include_usage).
const OPENAI_PREFIX =
  '{"id":"chatcmpl-bench0000000000000000000000000","object":"chat.completion.chunk","created":1770933892,' +
  '"model":"gpt-4.1-nano-2025-04-14","service_tier":"default","system_fingerprint":"fp_de604bd877","choices":';

const openaiHead = (): Buffer[] => [
  sse(`${OPENAI_PREFIX}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Qup1BsQ3"}`),
];

const openaiDelta = (text: string): Buffer =>
  sse(`${OPENAI_PREFIX}[{"index":0,"delta":{"content":"${text}"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"yhjoJbEF"}`);

const openaiTail = (n: number): Buffer[] => [
  sse(`${OPENAI_PREFIX}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null,"obfuscation":"dTh"}`),
  sse(
    `${OPENAI_PREFIX}[],"usage":{"prompt_tokens":16,"completion_tokens":${n},"total_tokens":${n + 16},` +
      '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,' +
      '"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"obfuscation":"h9RiQLL"}',
  ),
  sse('[DONE]'),
];

// Anthropic Messages, as in test/fixtures/anthropic/text.jsonl.
const anthropicHead = (): Buffer[] => [
  sse(
    '{"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_bench000000000000000000","type":"message",' +
      '"role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,' +
      '"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,' +
      '"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}}}',
    'message_start',
  ),
  sse('{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}', 'content_block_start'),
  sse('{"type":"ping"}', 'ping'),
];

const anthropicDelta = (text: string): Buffer =>
  sse(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${text}"}}`, 'content_block_delta');

const anthropicTail = (n: number): Buffer[] => [
  sse('{"type":"content_block_stop","index":0}', 'content_block_stop'),
  sse(
    '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,' +
      `"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${n}}}`,
    'message_delta',
  ),
  sse('{"type":"message_stop"}', 'message_stop'),
];

const deltaEncoder: Readonly<Record<Format, (text: string) => Buffer>> = { openai: openaiDelta, anthropic: anthropicDelta };

/**
 * The base URL path a client gets for one stream shape; the server reads format, size, write
 * mode and the number of concurrent streams from it. OpenAI SDKs append `/chat/completions`,
 * Anthropic's `/v1/messages` (its base URL has no `/v1`), AI SDK's Anthropic provider
 * `/messages` (its base URL has one).
 */
export function streamPath(format: Format, n: number, mode: WriteMode, streams: number): string {
  return `/${format}/${n}/${mode}/${streams}`;
}

/**
 * The base URL path of a client that cannot change its base URL per request (`rxllm serve`, whose
 * upstream base URL is set once): the stream path (see {@link streamPath}) then travels in the
 * request body's `metadata.stream_path`, which `rxllm serve` passes on unchanged to OpenAI.
 */
export const SHAPE_IN_BODY_PATH = '/shape-in-body';
