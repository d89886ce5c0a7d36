/**
 * The load server's `paced` write modes (the `rxllm serve` and gateway scenarios): the head at
 * once; then, once every stream of the group is connected, one write per {@link PACED_PERIOD_MS}
 * to each, of one text delta (`paced`) or of 1–5 (`paced-real`: seeded per stream, as the `real`
 * mode writes), each stamped with the monotonic time it is written, so a client computes each
 * delta's latency from the load server's write to its own read; then the tail. Streams are
 * spread over the milliseconds of the period, so the writes come evenly, not in bursts.
 */
import type { ServerResponse } from 'node:http';
import { StreamGroups } from './stream-groups.ts';
import { encodePacedDelta, encodeStream, eventsPerWrite, type Format, monotonicUs, PACED_PERIOD_MS, random } from './wire.ts';

/** Slots per period: a timer tick every millisecond writes to one slot's streams. */
const PACED_SLOTS = PACED_PERIOD_MS;
/** The longest paced streams wait for the rest of their group before their deltas start anyway. */
const PACED_GROUP_WAIT_MS = 20_000;
/**
 * The pause between the last stream of a group connecting and the first deltas, in ms: the
 * clients (and `rxllm serve`) have then processed every response head, so the latencies measure
 * steady streaming, not the requests' start.
 */
const PACED_SETTLE_MS = 300;

interface PacedStream {
  readonly res: ServerResponse;
  readonly format: Format;
  readonly n: number;
  readonly tail: Buffer;
  /** Deltas per write: 1 (`paced`), or drawn 1–5 (`paced-real`). */
  readonly perWrite: () => number;
  next: number;
}

const ends = new Map<string, { head: Buffer; tail: Buffer }>();

/** Writes the stream's next 1–5 deltas, stamped now, or ends it. */
function step(stream: PacedStream): boolean {
  if (stream.next >= stream.n) {
    stream.res.end(stream.tail);
    return true;
  }
  const sentUs = monotonicUs();
  const end = Math.min(stream.n, stream.next + stream.perWrite());
  const events: Buffer[] = [];
  while (stream.next < end) events.push(encodePacedDelta(stream.format, stream.next++, sentUs));
  stream.res.write(events.length === 1 ? events[0]! : Buffer.concat(events));
  return false;
}

const groups = new StreamGroups<PacedStream>({ periodMs: PACED_PERIOD_MS, slots: PACED_SLOTS, groupWaitMs: PACED_GROUP_WAIT_MS, settleMs: PACED_SETTLE_MS, step });

/**
 * Sends the head of a paced stream of `n` deltas at once, then holds its deltas until `group`
 * streams of the same shape are connected (or {@link PACED_GROUP_WAIT_MS} passed), so all of
 * them stream at the same time however long the requests take to arrive. `real`: 1–5 deltas
 * per write (the k-th stream of a group draws from seed k, so every run writes alike).
 */
export function writePaced(res: ServerResponse, format: Format, n: number, group: number, real = false): void {
  const key = `${format}:${n}:${group}:${real}`;
  let encoded = ends.get(key);
  if (encoded === undefined) {
    const { head, tail } = encodeStream(format, n);
    ends.set(key, (encoded = { head: Buffer.concat(head), tail: Buffer.concat(tail) }));
  }
  res.write(encoded.head);
  const draw = real ? random(0x5eed + groups.waiting(key)) : undefined;
  const perWrite = draw === undefined ? () => 1 : () => eventsPerWrite(draw);
  groups.join(key, group, { res, format, n, tail: encoded.tail, perWrite, next: 0 });
}
