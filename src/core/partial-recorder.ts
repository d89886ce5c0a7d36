/**
 * `PartialRecorder`: what a source or an operator keeps of a stream only to attach `partial` to
 * an error, at less cost per delta than a {@link SnapshotBuilder}. @internal
 * @module
 */
import type { Delta, Snapshot } from './delta.ts';
import { SnapshotBuilder } from './snapshot-builder.ts';

/**
 * Records a stream's deltas so that, should it fail, {@link partial} gives the same `Snapshot`
 * a {@link SnapshotBuilder} fed the same deltas would (the `partial` of `RxllmError`).
 *
 * Text and reasoning fragments, nearly every delta of a stream, are kept in arrays and joined
 * only when `partial()` is read: a fragment costs one array slot, not a new string node that
 * every garbage collection has to copy; the fragments themselves are the delta's own strings,
 * which the consumer's `accumulate()` keeps anyway. Everything else goes through a
 * `SnapshotBuilder`. Used where nobody reads a snapshot per delta: `createSource`
 * (every provider source) and `timeoutIdle`. @internal
 */
export class PartialRecorder {
  private readonly rest = new SnapshotBuilder();
  private text: string[] = [];
  private reasoning: string[] = [];

  /** Deltas recorded since the start or the last `reset`. */
  get deltaCount(): number {
    return this.rest.deltaCount;
  }

  /** Content deltas (text, refusal, reasoning, tool calls) recorded since the start or the last `reset`. */
  get contentCount(): number {
    return this.rest.contentCount;
  }

  /** Records one delta, in O(1) amortized time. */
  record(delta: Delta): void {
    const rest = this.rest;
    if (delta.type === 'text') {
      rest.deltaCount++;
      rest.contentCount++;
      this.text.push(delta.text);
      return;
    }
    if (delta.type === 'reasoning' && delta.redacted !== true && delta.signature === undefined) {
      rest.deltaCount++;
      rest.contentCount++;
      this.reasoning.push(delta.text);
      return;
    }
    if (delta.type === 'reset') {
      this.text = [];
      this.reasoning = [];
    } else if (delta.type === 'reasoning' && this.reasoning.length !== 0) {
      this.flushReasoning();
    }
    rest.apply(delta);
  }

  /** What was recorded, as a `Snapshot`; `undefined` when nothing was. */
  partial(): Snapshot | undefined {
    if (this.text.length !== 0) {
      this.rest.text += this.text.join('');
      this.text = [];
    }
    if (this.reasoning.length !== 0) this.flushReasoning();
    return this.rest.partial();
  }

  private flushReasoning(): void {
    this.rest.reasoning += this.reasoning.join('');
    this.reasoning = [];
  }
}
