/**
 * `PartialRecorder`: what a source or an operator keeps of a stream only to attach `partial` to
 * an error, at less cost per delta than a {@link SnapshotBuilder}. @internal
 * @module
 */
import { type Delta, isContentDelta, type MetadataDelta, type Snapshot } from './delta.ts';
import { SnapshotBuilder } from './snapshot-builder.ts';

/**
 * Records a stream's deltas so that, should it fail, {@link partial} gives the same `Snapshot`
 * a {@link SnapshotBuilder} fed the same deltas would (the `partial` of `RxllmError`).
 *
 * Text and reasoning fragments, nearly every delta of a stream, are kept in arrays and joined
 * only when `partial()` is read: a fragment costs one array slot, not a new string node that
 * every garbage collection has to copy; the fragments themselves are the delta's own strings,
 * which the consumer's `accumulate()` keeps anyway. The metadata is kept as its delta. A
 * `SnapshotBuilder` is made only for the other kinds (tool calls, refusal, signed or redacted
 * reasoning, usage, finish), so an open stream of text holds no builder. Used where nobody reads
 * a snapshot per delta: `createSource` (every provider source) and `timeoutIdle`. @internal
 */
export class PartialRecorder {
  private rest: SnapshotBuilder | null = null;
  private metadata: MetadataDelta | null = null;
  private text: string[] = [];
  private reasoning: string[] | null = null;
  private deltas = 0;
  private contents = 0;

  /** Deltas recorded since the start or the last `reset`. */
  get deltaCount(): number {
    return this.deltas;
  }

  /** Content deltas (text, refusal, reasoning, tool calls) recorded since the start or the last `reset`. */
  get contentCount(): number {
    return this.contents;
  }

  /** Records one delta, in O(1) amortized time. */
  record(delta: Delta): void {
    if (delta.type === 'reset') {
      this.rest = null;
      this.metadata = null;
      this.text = [];
      this.reasoning = null;
      this.deltas = 0;
      this.contents = 0;
      return;
    }
    this.deltas++;
    if (isContentDelta(delta)) this.contents++;
    switch (delta.type) {
      case 'text':
        this.text.push(delta.text);
        return;
      case 'metadata':
        this.metadata = delta;
        return;
      case 'reasoning':
        if (delta.redacted !== true && delta.signature === undefined) {
          (this.reasoning ??= []).push(delta.text);
          return;
        }
        // what came before a signed or redacted block stays before it
        this.flushReasoning();
    }
    (this.rest ??= new SnapshotBuilder()).apply(delta);
  }

  /** What was recorded, as a `Snapshot`; `undefined` when nothing was. */
  partial(): Snapshot | undefined {
    if (this.deltas === 0) return undefined;
    const rest = (this.rest ??= new SnapshotBuilder());
    if (this.text.length !== 0) {
      rest.text += this.text.join('');
      this.text = [];
    }
    this.flushReasoning();
    const metadata = this.metadata;
    if (metadata !== null) {
      rest.provider = metadata.provider;
      rest.id = metadata.id;
      rest.model = metadata.model;
    }
    rest.deltaCount = this.deltas;
    rest.contentCount = this.contents;
    return rest.snapshot();
  }

  private flushReasoning(): void {
    const reasoning = this.reasoning;
    if (reasoning === null || reasoning.length === 0) return;
    const rest = (this.rest ??= new SnapshotBuilder());
    rest.reasoning += reasoning.join('');
    this.reasoning = null;
  }
}
