/**
 * The stats line `rxllm chat` prints after a response: time to first delta, deltas, characters
 * per second, usage tokens, finish reason.
 * @internal
 */
import { terminalText } from './terminal-text.ts';
import type { Delta, Snapshot } from '../core/delta.ts';

/**
 * Timing of one response, fed delta by delta (O(1) per delta, no allocation). Times are
 * `performance.now()` values in ms.
 */
export class StreamStats {
  /** When the request was subscribed. */
  readonly startedAt: number;
  /** When the first content delta (text, reasoning, tool call) arrived; `undefined` before it. */
  firstContentAt: number | undefined = undefined;
  /** When the stream ended (`end()`); `undefined` before. */
  endedAt: number | undefined = undefined;
  /** Characters of content: text, reasoning and tool-call arguments. */
  chars = 0;

  constructor(now: number = performance.now()) {
    this.startedAt = now;
  }

  /** Records one delta arriving at `now`. */
  next(delta: Delta, now: number): void {
    switch (delta.type) {
      case 'text':
      case 'reasoning':
        this.chars += delta.text.length;
        break;
      case 'tool-call-delta':
        this.chars += delta.argsText.length;
        break;
      case 'tool-call-start':
      case 'tool-call-end':
        break;
      default:
        return;
    }
    if (this.firstContentAt === undefined) this.firstContentAt = now;
  }

  /** Records the end of the stream. */
  end(now: number = performance.now()): void {
    this.endedAt = now;
  }

  /** Ms from subscribe to the first content delta, or `undefined` when none arrived. */
  timeToFirstDelta(): number | undefined {
    return this.firstContentAt === undefined ? undefined : this.firstContentAt - this.startedAt;
  }

  /**
   * Content characters per second from the first content delta to the end of the stream (the
   * generation rate, latency excluded); `undefined` when that span is under 1 ms.
   */
  charsPerSecond(): number | undefined {
    if (this.firstContentAt === undefined || this.endedAt === undefined) return undefined;
    const span = this.endedAt - this.firstContentAt;
    return span < 1 ? undefined : (this.chars * 1000) / span;
  }
}

/**
 * One line: `412 ms to first delta · 34 deltas · 640 chars/s · tokens 17 in, 33 out · finish stop`.
 * Unknown values read `n/a`; the provider's own finish value follows in brackets when it differs.
 */
export function formatStats(stats: StreamStats, snapshot: Snapshot): string {
  const ttfd = stats.timeToFirstDelta();
  const rate = stats.charsPerSecond();
  const parts = [
    ttfd === undefined ? 'no content' : `${Math.round(ttfd)} ms to first delta`,
    `${snapshot.deltaCount} ${snapshot.deltaCount === 1 ? 'delta' : 'deltas'}`,
    rate === undefined ? 'n/a chars/s' : `${Math.round(rate)} chars/s`,
    `tokens ${formatUsage(snapshot)}`,
    `finish ${formatFinish(snapshot)}`,
  ];
  // the finish reason is the provider's own word
  return terminalText(parts.join(' · '));
}

function formatUsage(snapshot: Snapshot): string {
  const u = snapshot.usage;
  if (u === undefined) return 'n/a';
  let out = `${u.inputTokens ?? 'n/a'} in`;
  if (u.cachedInputTokens) out += ` (${u.cachedInputTokens} cached)`;
  out += `, ${u.outputTokens ?? 'n/a'} out`;
  if (u.reasoningTokens) out += ` (${u.reasoningTokens} reasoning)`;
  return out;
}

function formatFinish(snapshot: Snapshot): string {
  const { finishReason, finishRaw } = snapshot;
  if (finishReason === undefined) return 'n/a';
  return finishRaw !== undefined && finishRaw !== finishReason ? `${finishReason} (${finishRaw})` : finishReason;
}
