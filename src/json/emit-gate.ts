import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * When to emit a partial value: `'change'` after every input delta that changed something
 * visible, `'value'` after a delta that completed a value, or a number of ms: at most once per
 * that many ms (the first change at once, later ones at the end of the window), on `scheduler`.
 * `emit` builds and emits the current state; it is called only when something is waiting.
 * @internal
 */
export class EmitGate {
  /** A change not emitted yet. */
  private pending = false;
  private timer: Subscription | null = null;

  private readonly mode: 'change' | 'value' | number;
  private readonly scheduler: SchedulerLike;
  private readonly emit: () => void;

  constructor(mode: 'change' | 'value' | number, scheduler: SchedulerLike, emit: () => void) {
    this.mode = mode;
    this.scheduler = scheduler;
    this.emit = emit;
  }

  /** After one input delta: `changed` = something visible changed, `completed` = a value completed. */
  afterDelta(changed: boolean, completed: boolean): void {
    if (!changed) return;
    const mode = this.mode;
    if (mode === 'change' || (mode === 'value' && completed)) {
      this.pending = false;
      this.emit();
      return;
    }
    this.pending = true;
    if (typeof mode === 'number' && this.timer === null) this.fire();
  }

  /** Emits a waiting change now (before a source error), and stops the timer. */
  flush(): void {
    const pending = this.pending;
    this.dispose();
    if (pending) this.emit();
  }

  /** Stops the timer and forgets any waiting change. */
  dispose(): void {
    this.timer?.unsubscribe();
    this.timer = null;
    this.pending = false;
  }

  private fire(): void {
    const gate = this;
    this.timer = this.scheduler.schedule(function (this: SchedulerAction<unknown>) {
      if (gate.pending) {
        gate.pending = false;
        gate.emit();
        this.schedule(undefined, gate.mode as number);
      } else {
        gate.timer = null;
      }
    }, this.mode as number);
    // After scheduling: an emission that unsubscribes (take(1)) then cancels the timer too.
    this.pending = false;
    this.emit();
  }
}

/** Throws a `TypeError` for an `emit` option that is not `'change'`, `'value'` or a finite number of ms >= 0. */
/** @internal */
export function checkEmit(emit: unknown): void {
  if (emit === 'change' || emit === 'value') return;
  if (typeof emit === 'number' && Number.isFinite(emit) && emit >= 0) return;
  throw new TypeError(`\`emit\` must be 'change', 'value' or a finite number of ms >= 0, got ${String(emit)}.`);
}
