/**
 * The load server's timed write modes (`slow`, `paced`, `paced-real`): streams that hold their
 * deltas until every stream of their group is connected, then get one write per period each,
 * spread over the period's slots (one timer tick per slot), so the writes come evenly, not in
 * bursts.
 */
import type { ServerResponse } from 'node:http';

/** A stream a group holds: its response, and whatever its `step` needs. */
export interface GroupedStream {
  readonly res: ServerResponse;
}

/** Streams that got their head and wait for the rest of their group. */
interface Group<S> {
  readonly size: number;
  readonly waiting: Set<S>;
  readonly timer: NodeJS.Timeout;
}

export interface StreamGroupsOptions<S> {
  /** The interval between two writes of one stream, in ms. */
  readonly periodMs: number;
  /** Timer ticks per period; each writes to one slot's streams. */
  readonly slots: number;
  /** The longest streams wait for the rest of their group before their deltas start anyway, in ms. */
  readonly groupWaitMs: number;
  /** The pause between a group's last stream connecting and its first deltas, in ms. */
  readonly settleMs: number;
  /** Writes to `stream` on its tick; returns true once it ended (it then leaves its slot). */
  readonly step: (stream: S) => boolean;
}

export class StreamGroups<S extends GroupedStream> {
  private readonly options: StreamGroupsOptions<S>;
  private readonly groups = new Map<string, Group<S>>();
  private readonly slots: Set<S>[];
  private active = 0;
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private assigned = 0;

  constructor(options: StreamGroupsOptions<S>) {
    this.options = options;
    this.slots = Array.from({ length: options.slots }, () => new Set());
  }

  /**
   * How many streams of `key`'s group are already waiting (a seed for the next one's writes).
   */
  waiting(key: string): number {
    return this.groups.get(key)?.waiting.size ?? 0;
  }

  /**
   * Holds `stream` until `size` streams of `key` are connected (or `groupWaitMs` passed), so all
   * of them stream at the same time however long the requests take to arrive.
   */
  join(key: string, size: number, stream: S): void {
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { size, waiting: new Set(), timer: setTimeout(() => this.start(key), this.options.groupWaitMs) };
      this.groups.set(key, group);
    }
    const { waiting } = group;
    waiting.add(stream);
    stream.res.once('close', () => waiting.delete(stream));
    if (waiting.size < group.size) return;
    clearTimeout(group.timer);
    if (this.options.settleMs === 0) this.start(key);
    else setTimeout(() => this.start(key), this.options.settleMs);
  }

  /** Every stream of every slot, for a change of all of them at once. */
  *streams(): Iterable<S> {
    for (const slot of this.slots) yield* slot;
  }

  private start(key: string): void {
    const group = this.groups.get(key);
    if (group === undefined) return;
    this.groups.delete(key);
    clearTimeout(group.timer);
    for (const stream of group.waiting) {
      const slot = this.slots[this.assigned++ % this.slots.length]!;
      slot.add(stream);
      this.active++;
      stream.res.once('close', () => {
        if (slot.delete(stream)) this.active--;
      });
    }
    this.timer ??= setInterval(() => this.onTick(), this.options.periodMs / this.slots.length);
  }

  private onTick(): void {
    const slot = this.slots[this.tick++ % this.slots.length]!;
    for (const stream of slot) {
      if (!this.options.step(stream)) continue;
      slot.delete(stream);
      this.active--;
    }
    if (this.active === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
