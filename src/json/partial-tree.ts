import type { JsonEvents } from './json-scanner.ts';

/**
 * Builds the immutable partial value of a JSON document from {@link JsonEvents}, with
 * structural sharing: {@link PartialTree.snapshot} returns new objects only on the path from the
 * root to what changed since the last snapshot; every closed value and every unchanged open
 * container keeps its identity.
 *
 * Only the open containers (the path from the root to the value being read) are mutable; each
 * keeps its completed children and the snapshot last handed out. A watermark (`dirty`) says how
 * deep the changes since the last snapshot reach, so a snapshot rebuilds those containers only,
 * each in time proportional to its own size. A container that closes unchanged since the last
 * snapshot becomes that snapshot; one that changed hands over its own storage (no copy).
 * @internal
 */
export class PartialTree implements JsonEvents {
  private readonly frames: Frame[] = [];
  /** The deepest frame changed since the last snapshot (-1: none; frames 0..dirty are rebuilt). */
  private dirty = -1;
  /** The open string value so far. */
  private leaf = '';
  private leafOpen = false;
  /** Length of the open string as the last snapshot shows it (-1: not shown). */
  private leafShownLength = -1;
  private root: unknown = undefined;
  private rootSet = false;
  /** Something visible changed since the last snapshot. */
  changed = false;
  /** A value (primitive, string or container) completed since the flag was last cleared. */
  completedValue = false;

  private readonly showOpenStrings: boolean;

  /** @param showOpenStrings Show an open string as its prefix (else hold it until it closes). */
  constructor(showOpenStrings: boolean) {
    this.showOpenStrings = showOpenStrings;
  }

  /** True once the root value is complete; {@link value} is then the document. */
  get done(): boolean {
    return this.rootSet && this.frames.length === 0 && !this.leafOpen;
  }

  /** The complete document (only meaningful when {@link done}). */
  get value(): unknown {
    return this.root;
  }

  open(kind: 'object' | 'array'): void {
    this.frames.push(
      kind === 'array'
        ? { array: true, items: [], fields: null, key: '', snapshot: undefined }
        : { array: false, items: null, fields: {}, key: '', snapshot: undefined },
    );
    this.touch(this.frames.length - 1);
  }

  key(key: string): void {
    this.frames[this.frames.length - 1]!.key = key;
  }

  close(): void {
    const depth = this.frames.length - 1;
    const frame = this.frames.pop()!;
    // Unchanged since the last snapshot: the snapshot is the value (identity kept).
    const shown = this.dirty < depth && frame.snapshot !== undefined;
    const value = shown ? frame.snapshot : frame.array ? frame.items : frame.fields;
    if (this.dirty > depth - 1) this.dirty = depth - 1;
    // Shown unchanged: the parent's snapshot already holds it, so nothing visible changes.
    this.attach(value, !shown);
  }

  stringStart(): void {
    this.leaf = '';
    this.leafOpen = true;
    this.leafShownLength = -1;
    if (this.showOpenStrings) this.touch(this.frames.length - 1);
  }

  stringChunk(text: string): void {
    this.leaf += text;
    if (this.showOpenStrings && visibleLength(this.leaf) !== this.leafShownLength) this.touch(this.frames.length - 1);
  }

  stringEnd(): void {
    const s = this.leaf;
    const shown = s.length === this.leafShownLength;
    this.leaf = '';
    this.leafOpen = false;
    this.attach(s, !shown);
  }

  primitive(value: number | boolean | null): void {
    this.attach(value, true);
  }

  /**
   * The partial document now: `undefined` before anything is visible. New objects only on the
   * path to what changed since the last call.
   */
  snapshot(): unknown {
    this.changed = false;
    const frames = this.frames;
    const top = frames.length - 1;
    let child: unknown = NONE;
    if (this.leafOpen && this.showOpenStrings) {
      const shown = displayable(this.leaf);
      this.leafShownLength = shown.length;
      child = shown;
    }
    if (top < 0) return child === NONE ? this.root : child;
    for (let d = top; d >= 0; d--) {
      const f = frames[d]!;
      if (d > this.dirty) {
        child = f.snapshot;
        continue;
      }
      let built: object;
      if (f.array) {
        const a = f.items!.slice();
        if (child !== NONE) a.push(child);
        built = a;
      } else {
        const o = { ...f.fields };
        if (child !== NONE) setField(o, f.key, child);
        built = o;
      }
      f.snapshot = built;
      child = built;
    }
    this.dirty = -1;
    return child;
  }

  /** Adds a completed value to the open container (or sets the root); `visible`: the last snapshot does not show it yet. */
  private attach(value: unknown, visible: boolean): void {
    this.completedValue = true;
    const top = this.frames.length - 1;
    if (top < 0) {
      this.root = value;
      this.rootSet = true;
      if (visible) this.changed = true;
      return;
    }
    const f = this.frames[top]!;
    if (f.array) f.items!.push(value);
    else setField(f.fields!, f.key, value);
    if (visible) this.touch(top);
  }

  private touch(depth: number): void {
    this.changed = true;
    if (depth > this.dirty) this.dirty = depth;
  }
}

/** An open object or array. */
interface Frame {
  readonly array: boolean;
  readonly items: unknown[] | null;
  readonly fields: Record<string, unknown> | null;
  /** The key of the member being read (objects). */
  key: string;
  /** The value last handed out for this container. */
  snapshot: object | undefined;
}

const NONE: unique symbol = Symbol('none');

/** Sets an own data property, also for the key `__proto__` (as `JSON.parse` does). */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** The length of an open string without a trailing lone high surrogate (the other half is still on its way). */
function visibleLength(s: string): number {
  const last = s.charCodeAt(s.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.length - 1 : s.length;
}

/** An open string as shown: without a trailing lone high surrogate. */
function displayable(s: string): string {
  const n = visibleLength(s);
  return n === s.length ? s : s.slice(0, n);
}
