/**
 * A terminal's live status for `rxllm chat`: elapsed ms while waiting for the first delta, then
 * an approximate token rate after the cursor while the answer streams. Only on a TTY: in piped
 * output nothing of it is ever written. @internal
 * @module
 */
import type { Delta } from '../core/delta.ts';
import { isContentDelta } from '../core/delta.ts';
import type { Output } from './render.ts';
import type { Style } from './style.ts';

const ERASE_LINE_END = '\x1b[K';
const SAVE_CURSOR = '\x1b7';
const RESTORE_CURSOR = '\x1b8';

/**
 * Wraps the terminal `Output` the answer is rendered to. Before the first delta it redraws
 * `waiting 340 ms` every 100 ms on the current line; from the first delta on, every write is
 * followed by `· 41 tok/s` after the cursor (the cursor saved and restored around it, so the next
 * write overwrites it), counting one token per content delta. `end()` erases it.
 */
export class StatusLine implements Output {
  private readonly out: Output;
  private readonly style: Style;
  private readonly startedAt: number;
  private firstAt: number | undefined;
  private contentDeltas = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private shown = false;

  constructor(out: Output, style: Style, now: number = performance.now()) {
    this.out = out;
    this.style = style;
    this.startedAt = now;
    this.timer = setInterval(() => this.drawWaiting(), 100);
    this.timer.unref?.();
    this.drawWaiting();
  }

  /** Counts a delta (call before rendering it). */
  next(delta: Delta, now: number = performance.now()): void {
    if (!isContentDelta(delta)) return;
    if (this.firstAt === undefined) {
      this.firstAt = now;
      this.stopTimer();
      this.out.write(`\r${ERASE_LINE_END}`);
      this.shown = false;
    }
    this.contentDeltas++;
  }

  /** Writes answer text, then redraws the rate after the cursor. */
  write(chunk: string): void {
    const rate = this.rate();
    const status = rate === undefined ? '' : `${SAVE_CURSOR}${this.style.dim}  · ${rate} tok/s${this.style.reset}${RESTORE_CURSOR}`;
    this.out.write(`${ERASE_LINE_END}${chunk}${status}`);
    this.shown = status !== '';
  }

  /** Erases the status and stops the timer. */
  end(): void {
    this.stopTimer();
    if (this.firstAt === undefined) this.out.write(`\r${ERASE_LINE_END}`);
    else if (this.shown) this.out.write(ERASE_LINE_END);
    this.shown = false;
  }

  private rate(now: number = performance.now()): number | undefined {
    if (this.firstAt === undefined) return undefined;
    const seconds = (now - this.firstAt) / 1000;
    return seconds < 0.05 ? undefined : Math.round(this.contentDeltas / seconds);
  }

  private drawWaiting(): void {
    const ms = Math.round(performance.now() - this.startedAt);
    this.out.write(`\r${ERASE_LINE_END}${this.style.dim}waiting for the first delta… ${ms} ms${this.style.reset}`);
    this.shown = true;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
