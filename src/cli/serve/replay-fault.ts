/**
 * Faults on demand for `rxllm serve --replay`: the `--fault` flag and the `x-rxllm-fault` request
 * header (`drop=5`, `stall=3`, `malformed=2`, `error-event=4`, `status=429`, `first=800`,
 * `delay=50`, comma-separated), mapped onto the replay server's {@link Fault} API.
 * @internal
 */
import type { Fault } from '../../replay/server.ts';

/** The request header that asks the replay for a fault on one request. */
export const FAULT_HEADER = 'x-rxllm-fault';

/** What a fault spec asks of a replayed answer. */
export interface ReplayFaultSpec {
  /** The fault applied to the stream (at most one). */
  readonly fault?: Fault;
  /** Pause before the answer starts, in ms (replaces the replay's own). */
  readonly firstMs?: number;
  /** Pause between events, in ms (replaces the replay's own). */
  readonly delayMs?: number;
}

/** The largest event count and pause a spec takes (10 minutes). */
const MAX_COUNT = 1_000_000;
const MAX_MS = 600_000;

/**
 * Parses `drop=5,first=200`.
 * @throws Error saying which item is wrong and what is allowed.
 */
export function parseReplayFault(text: string): ReplayFaultSpec {
  let fault: Fault | undefined;
  let firstMs: number | undefined;
  let delayMs: number | undefined;
  const items = text.split(',').map((s) => s.trim());
  if (items.length > 8) throw new Error('at most 8 items.');
  for (const item of items) {
    const match = /^(drop|stall|malformed|error-event|status|first|delay)=(\d{1,7})$/.exec(item);
    if (match === null) {
      throw new Error(
        `'${item.slice(0, 40)}' is not a fault; use drop=N, stall=N, malformed=N, error-event=N (after N events), status=CODE (400-599), first=MS or delay=MS, comma-separated.`,
      );
    }
    const key = match[1]!;
    const n = Number(match[2]);
    if (key === 'first' || key === 'delay') {
      if (n > MAX_MS) throw new Error(`${key} takes at most ${MAX_MS} ms.`);
      if (key === 'first') firstMs = n;
      else delayMs = n;
      continue;
    }
    if (fault !== undefined) throw new Error(`one fault at a time (${fault.kind} and ${key}).`);
    if (key === 'status') {
      if (n < 400 || n > 599) throw new Error(`status takes an HTTP error status 400-599, not ${n}.`);
      fault = { kind: 'http', status: n };
    } else {
      if (n > MAX_COUNT) throw new Error(`${key} takes at most ${MAX_COUNT} events.`);
      fault = { kind: key as 'drop' | 'stall' | 'malformed' | 'error-event', afterEvents: n };
    }
  }
  return { ...(fault === undefined ? {} : { fault }), ...(firstMs === undefined ? {} : { firstMs }), ...(delayMs === undefined ? {} : { delayMs }) };
}
