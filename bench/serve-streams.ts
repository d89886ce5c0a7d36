/**
 * The client side of the `rxllm serve` scenario: concurrent streaming Chat Completions requests
 * read with node:http + eventsource-parser, every text checked, and, for paced streams, each delta's
 * latency from the load server's write (its stamp) to this process's read.
 */
import { Agent, request } from 'node:http';
import { createParser } from 'eventsource-parser';
import { API_KEY, OPENAI_MODEL, PROMPT } from './clients/client.ts';
import { expectedText, monotonicUs, PACED_DELTA_CHARS, readPacedDelta, streamPath } from './wire.ts';

/** A stream shape: `n` deltas written as fast as read (`fast`), or one (`paced`) or 1–5 (`paced-real`) per period, stamped. */
export interface Phase {
  readonly mode: 'fast' | 'paced' | 'paced-real';
  readonly n: number;
  /** How many streams of this shape the load server waits for before pacing (see `writePaced`). */
  readonly group: number;
}

/**
 * The body every request of a phase sends: the stream shape travels in `metadata.stream_path`
 * (see `SHAPE_IN_BODY_PATH`), so the same body works directly and through `rxllm serve`.
 */
export function phaseBody(phase: Phase): string {
  return JSON.stringify({
    model: OPENAI_MODEL,
    messages: [{ role: 'user', content: PROMPT }],
    stream: true,
    stream_options: { include_usage: true },
    metadata: { stream_path: streamPath('openai', phase.n, phase.mode, phase.group) },
  });
}

/** Keeps connections open between phases, with no limit on concurrent ones. */
const agent = new Agent({ keepAlive: true });

/**
 * Reads one streaming request to `[DONE]`, calling `onContent` with each text delta and the
 * monotonic time (µs) of the network read that brought it. node:http, not fetch: a third of the
 * client's CPU per read, which leaves more of the cores to the load server and serve.
 * @throws Error for an HTTP error, an error event, or a stream that ends without `[DONE]`.
 */
export function readStream(endpoint: string, body: string, onContent: (content: string, arrivalUs: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
    const req = request(endpoint, { method: 'POST', headers, agent }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (chunk: string) => (text += chunk)).once('end', () => reject(new Error(`HTTP ${res.statusCode} from ${endpoint}: ${text.slice(0, 300)}`)));
        return;
      }
      let arrivalUs = 0;
      let done = false;
      const parser = createParser({
        onEvent(event) {
          if (event.data === '[DONE]') {
            done = true;
            return;
          }
          const chunk = JSON.parse(event.data) as { error?: { message?: string }; choices?: { delta?: { content?: string | null } }[] };
          if (chunk.error !== undefined) throw new Error(`error event from ${endpoint}: ${chunk.error.message}`);
          const content = chunk.choices?.[0]?.delta?.content;
          if (content) onContent(content, arrivalUs);
        },
      });
      res.on('data', (chunk: string) => {
        arrivalUs = monotonicUs();
        try {
          parser.feed(chunk);
        } catch (err) {
          res.destroy();
          reject(err);
        }
      });
      res.once('end', () => (done ? resolve() : reject(new Error(`the stream from ${endpoint} ended without [DONE]`))));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * Reads `count` streams of `phase` from `endpoint` at once, each text checked. For a paced phase,
 * `latencies[s * n + i]` gets delta `i` of stream `s`'s latency in µs (read − stamped write).
 * Resolves with the wall time from the first request to the last stream's end, in ms.
 * @throws Error for a failed stream or a wrong text.
 */
export async function runPhase(endpoint: string, phase: Phase, count: number, latencies?: Float64Array): Promise<number> {
  const body = phaseBody(phase);
  const started = performance.now();
  const streams: Promise<void>[] = [];
  for (let s = 0; s < count; s++) {
    streams.push(phase.mode === 'fast' ? readFast(endpoint, body, phase.n) : readPaced(endpoint, body, phase.n, latencies, s * phase.n));
  }
  await Promise.all(streams);
  return performance.now() - started;
}

async function readFast(endpoint: string, body: string, n: number): Promise<void> {
  let text = '';
  await readStream(endpoint, body, (content) => (text += content));
  const expected = expectedText(n);
  if (text !== expected) throw new Error(`wrong text for ${n} deltas from ${endpoint}: ${text.length} chars, expected ${expected.length}`);
}

async function readPaced(endpoint: string, body: string, n: number, latencies: Float64Array | undefined, offset: number): Promise<void> {
  let text = '';
  let read = 0;
  let lastSentUs = 0;
  await readStream(endpoint, body, (content, arrivalUs) => {
    text += content;
    // a delta is complete once its fragment and stamp arrived (serve may split or join them)
    while ((read + 1) * PACED_DELTA_CHARS <= text.length) {
      const sentUs = readPacedDelta(text, read);
      if (sentUs < lastSentUs) throw new Error(`paced delta ${read} was stamped before the one ahead of it`);
      if (arrivalUs < sentUs) throw new Error(`paced delta ${read} arrived before it was sent: this process and the load server do not share a monotonic clock`);
      if (latencies !== undefined) latencies[offset + read] = arrivalUs - sentUs;
      lastSentUs = sentUs;
      read++;
    }
  });
  if (read !== n || text.length !== n * PACED_DELTA_CHARS) throw new Error(`wrong text for ${n} paced deltas from ${endpoint}: ${text.length} chars, ${read} whole deltas`);
}

/** The median and 99th percentile (nearest rank) of `values`, which this sorts in place. */
export function percentiles(values: Float64Array): { readonly p50: number; readonly p99: number } {
  values.sort();
  const at = (p: number) => values[Math.max(0, Math.ceil(p * values.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99) };
}
