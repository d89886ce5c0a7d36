import type { Delta, FinishReason, Snapshot, ToolCallSnapshot, Usage } from './delta.ts';

/**
 * One tool call's state. `cur` was set in epoch `v`; `prev` is the position of its previous
 * version in the builder's version log (-1: none), kept only when a snapshot was taken between
 * two changes. A call only changes while open, and an open call differs from its current value
 * only in how much of `argsText` it had, so a version is two numbers (its epoch and the length
 * of its `argsText`), not an object that would keep garbage alive.
 */
interface CallSlot {
  cur: ToolCallSnapshot;
  v: number;
  prev: number;
}

/**
 * Mutable accumulator of a response, applied delta by delta in O(1) amortized time (string
 * concatenation builds ropes). `snapshot()` returns an immutable view in O(1): its
 * `toolCalls` and `redactedReasoning` arrays are shared with the next snapshots while they do
 * not change, and otherwise built on first read (a getter on the snapshot, memoized), from the
 * versions kept for it. So `accumulate()` stays linear in the number of tool calls and of
 * redacted blocks, whatever the consumer reads. Used by `accumulate()` and by operators that
 * must report what had arrived; sources and `timeoutIdle`, which only need it for an error's
 * `partial`, use the cheaper `PartialRecorder` on top of it.
 * @internal
 */
export class SnapshotBuilder {
  text = '';
  reasoning = '';
  refusal: string | undefined = undefined;
  reasoningSignature: string | undefined = undefined;
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | undefined = undefined;
  finishRaw: string | undefined = undefined;
  provider: string | undefined = undefined;
  id: string | undefined = undefined;
  model: string | undefined = undefined;
  deltaCount = 0;
  /** Content deltas (text, refusal, reasoning, tool calls) applied. */
  contentCount = 0;
  /** Opaque data of redacted reasoning blocks; append-only (snapshots read prefixes of it). */
  private redacted: string[] | null = null;
  /** The last materialized copy of `redacted` (its length tells which prefix). */
  private redactedCopy: readonly string[] = EMPTY_STRINGS;
  private slots: CallSlot[] = [];
  /** Position in `slots` of the open call for each index; made with the first call. */
  private open: Map<number, number> | null = null;
  /** Incremented by every `snapshot()`: a snapshot sees the changes made in epochs up to its own. */
  private epoch = 0;
  /** Incremented by every tool-call change. */
  private callsVersion = 0;
  /** The last materialized tool-call array and the `callsVersion` it shows. */
  private callsCopy: readonly ToolCallSnapshot[] = EMPTY;
  private callsCopyVersion = 0;
  /**
   * The version log of the calls, three numbers per entry: epoch, `argsText` length and previous
   * version (entry number); made with the first entry.
   */
  private log: number[] | null = null;

  apply(delta: Delta): void {
    this.deltaCount++;
    switch (delta.type) {
      case 'text':
        this.contentCount++;
        this.text += delta.text;
        return;
      case 'refusal':
        this.contentCount++;
        this.refusal = this.refusal === undefined ? delta.text : this.refusal + delta.text;
        return;
      case 'reasoning':
        this.contentCount++;
        if (delta.redacted) (this.redacted ??= []).push(delta.text);
        else this.reasoning += delta.text;
        if (delta.signature !== undefined) this.reasoningSignature = delta.signature;
        return;
      case 'tool-call-start':
        this.contentCount++;
        (this.open ??= new Map()).set(delta.index, this.slots.length);
        this.push({ index: delta.index, id: delta.id, name: delta.name, argsText: '', complete: false });
        return;
      case 'tool-call-delta': {
        this.contentCount++;
        const slot = this.slots[this.openCall(delta.index)]!;
        const call = slot.cur;
        this.set(slot, { index: call.index, id: call.id, name: call.name, argsText: call.argsText + delta.argsText, complete: false });
        return;
      }
      case 'tool-call-end': {
        this.contentCount++;
        const slot = this.slots[this.openCall(delta.index)]!;
        this.set(slot, completeCall(slot.cur));
        this.open!.delete(delta.index);
        return;
      }
      case 'usage': {
        const { type: _type, ...counts } = delta;
        this.usage = this.usage === undefined ? counts : { ...this.usage, ...counts };
        return;
      }
      case 'finish':
        this.finishReason = delta.reason;
        this.finishRaw = delta.raw;
        return;
      case 'metadata':
        this.provider = delta.provider;
        this.id = delta.id;
        this.model = delta.model;
        return;
      case 'reset':
        this.reset();
        return;
    }
  }

  /** Rolls back to the empty response (a `reset` delta): every field, counts included. */
  reset(): void {
    this.text = '';
    this.reasoning = '';
    this.refusal = undefined;
    this.reasoningSignature = undefined;
    this.usage = undefined;
    this.finishReason = undefined;
    this.finishRaw = undefined;
    this.provider = undefined;
    this.id = undefined;
    this.model = undefined;
    this.deltaCount = 0;
    this.contentCount = 0;
    this.redacted = null;
    this.redactedCopy = EMPTY_STRINGS;
    // earlier snapshots keep their slots (their getters hold the array), new ones start afresh
    this.slots = [];
    this.open = null;
    this.callsVersion++;
    this.callsCopy = EMPTY;
    this.callsCopyVersion = this.callsVersion;
  }

  /** The calls so far (materialized once per change, shared while unchanged). */
  toolCalls(): readonly ToolCallSnapshot[] {
    return this.callsAt(this.slots, this.epoch, this.slots.length, this.callsVersion);
  }

  /** An immutable view of the response so far, in O(1); optional fields are present only when set. */
  snapshot(): Snapshot {
    type Mutable = { -readonly [K in keyof Snapshot]: Snapshot[K] };
    const n = this.slots.length;
    const version = this.callsVersion;
    let s: Mutable;
    if (n === 0 || version === this.callsCopyVersion) {
      s = { text: this.text, reasoning: this.reasoning, toolCalls: n === 0 ? EMPTY : this.callsCopy, deltaCount: this.deltaCount };
    } else {
      // the calls changed since the last copy: built on first read, as they are now
      const builder = this;
      const slots = this.slots;
      const epoch = this.epoch;
      let memo: readonly ToolCallSnapshot[] | undefined;
      s = {
        text: this.text,
        reasoning: this.reasoning,
        get toolCalls() {
          return (memo ??= builder.callsAt(slots, epoch, n, version));
        },
        deltaCount: this.deltaCount,
      };
    }
    if (this.refusal !== undefined) s.refusal = this.refusal;
    if (this.reasoningSignature !== undefined) s.reasoningSignature = this.reasoningSignature;
    const redacted = this.redacted;
    if (redacted !== null) {
      const length = redacted.length;
      if (length === this.redactedCopy.length) s.redactedReasoning = this.redactedCopy;
      else {
        let memo: readonly string[] | undefined;
        Object.defineProperty(s, 'redactedReasoning', { get: () => (memo ??= this.redactedAt(redacted, length)), enumerable: true });
      }
    }
    if (this.usage !== undefined) s.usage = this.usage;
    if (this.finishReason !== undefined) s.finishReason = this.finishReason;
    if (this.finishRaw !== undefined) s.finishRaw = this.finishRaw;
    if (this.provider !== undefined) s.provider = this.provider;
    if (this.id !== undefined) s.id = this.id;
    if (this.model !== undefined) s.model = this.model;
    this.epoch++;
    return s;
  }

  /** `snapshot()` when any delta was applied, else `undefined`: the `partial` of an error. */
  partial(): Snapshot | undefined {
    return this.deltaCount === 0 ? undefined : this.snapshot();
  }

  /** The first `length` redacted blocks, as an array shared with later snapshots of the same length. */
  private redactedAt(redacted: readonly string[], length: number): readonly string[] {
    if (redacted === this.redacted && length === this.redactedCopy.length) return this.redactedCopy;
    const copy = Object.freeze(redacted.slice(0, length));
    if (redacted === this.redacted && length === redacted.length) this.redactedCopy = copy;
    return copy;
  }

  /** The first `n` calls as they were in `epoch` (`version` = the calls' version then). */
  private callsAt(slots: readonly CallSlot[], epoch: number, n: number, version: number): readonly ToolCallSnapshot[] {
    if (version === this.callsCopyVersion) return this.callsCopy;
    const out = new Array<ToolCallSnapshot>(n);
    for (let i = 0; i < n; i++) out[i] = this.valueAt(slots[i]!, epoch);
    Object.freeze(out);
    if (version === this.callsVersion) {
      this.callsCopy = out;
      this.callsCopyVersion = version;
    }
    return out;
  }

  private push(call: ToolCallSnapshot): void {
    this.slots.push({ cur: call, v: this.epoch, prev: -1 });
    this.callsVersion++;
  }

  /** Changes a call; keeps its old value when a snapshot may still need it. */
  private set(slot: CallSlot, call: ToolCallSnapshot): void {
    if (slot.v !== this.epoch) {
      const log = (this.log ??= []);
      log.push(slot.v, slot.cur.argsText.length, slot.prev);
      slot.prev = log.length / 3 - 1;
      slot.v = this.epoch;
    }
    slot.cur = call;
    this.callsVersion++;
  }

  /** A call as seen by a snapshot of `epoch`: the newest version set in an epoch ≤ it. */
  private valueAt(slot: CallSlot, epoch: number): ToolCallSnapshot {
    const cur = slot.cur;
    if (slot.v <= epoch) return cur;
    let at = slot.prev;
    const log = this.log!;
    while (log[at * 3]! > epoch) at = log[at * 3 + 2]!;
    return { index: cur.index, id: cur.id, name: cur.name, argsText: cur.argsText.slice(0, log[at * 3 + 1]!), complete: false };
  }

  /**
   * Position of the open call for `index`. A delta for an index with no open call (a source
   * that sends no start, or a fragment after the end) opens an anonymous call rather than
   * dropping the fragment.
   */
  private openCall(index: number): number {
    const open = (this.open ??= new Map());
    const at = open.get(index);
    if (at !== undefined) return at;
    open.set(index, this.slots.length);
    this.push({ index, id: '', name: '', argsText: '', complete: false });
    return this.slots.length - 1;
  }
}

const EMPTY: readonly ToolCallSnapshot[] = Object.freeze([]);
const EMPTY_STRINGS: readonly string[] = Object.freeze([]);

/** Marks a call complete and parses its arguments; empty text parses as `{}`. */
function completeCall(call: ToolCallSnapshot): ToolCallSnapshot {
  const source = call.argsText.trim() === '' ? '{}' : call.argsText;
  try {
    return { ...call, complete: true, args: JSON.parse(source) as unknown };
  } catch (err) {
    return { ...call, complete: true, argsError: (err as Error).message };
  }
}
