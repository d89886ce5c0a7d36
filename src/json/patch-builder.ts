import type { JsonPatchOperation } from '../operators/jsonPatches.ts';
import type { JsonEvents } from './json-scanner.ts';

/**
 * Turns {@link JsonEvents} into JSON Patch operations, collected until {@link take}: `add` for a
 * new member, element or root (containers added empty, then filled), `append` for more
 * characters of an open string (several appends to one string between two `take`s merge into
 * one). Every operation costs its path's length: linear total time for a document of bounded
 * depth.
 * @internal
 */
export class PatchBuilder implements JsonEvents {
  private ops: JsonPatchOperation[] = [];
  private readonly frames: PatchFrame[] = [];
  /** Path of the open string value. */
  private leafPath = '';
  /** The open string (hold mode), or a high surrogate held back (prefix mode). */
  private leaf = '';
  /** The last operation is an `append` to the open string (so the next chunk merges into it). */
  private appending = false;
  private readonly showOpenStrings: boolean;

  /** @param showOpenStrings Add an open string at once and append to it (else add it whole once closed). */
  constructor(showOpenStrings: boolean) {
    this.showOpenStrings = showOpenStrings;
  }

  /** The operations since the last call (an empty array when nothing changed). */
  take(): JsonPatchOperation[] {
    const ops = this.ops;
    if (ops.length > 0) this.ops = [];
    this.appending = false;
    return ops;
  }

  open(kind: 'object' | 'array'): void {
    const path = this.childPath();
    this.add(path, kind === 'array' ? [] : {});
    this.frames.push({ path, array: kind === 'array', index: 0, key: '' });
  }

  key(key: string): void {
    this.frames[this.frames.length - 1]!.key = key;
  }

  close(): void {
    this.frames.pop();
  }

  stringStart(): void {
    this.leafPath = this.childPath();
    this.leaf = '';
    if (this.showOpenStrings) this.add(this.leafPath, '');
  }

  stringChunk(text: string): void {
    if (!this.showOpenStrings) {
      this.leaf += text;
      return;
    }
    // A trailing high surrogate waits for its other half (as partialJson shows open strings).
    text = this.leaf + text;
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.leaf = text.slice(-1);
      text = text.slice(0, -1);
      if (text === '') return;
    } else {
      this.leaf = '';
    }
    this.appendOp(text);
  }

  private appendOp(text: string): void {
    if (this.appending) {
      const last = this.ops[this.ops.length - 1] as { op: 'append'; path: string; value: string };
      this.ops[this.ops.length - 1] = { op: 'append', path: last.path, value: last.value + text };
    } else {
      this.ops.push({ op: 'append', path: this.leafPath, value: text });
      this.appending = true;
    }
  }

  stringEnd(): void {
    if (!this.showOpenStrings) this.add(this.leafPath, this.leaf);
    else if (this.leaf !== '') this.appendOp(this.leaf); // a lone high surrogate ends the string
    this.leaf = '';
    this.appending = false;
  }

  primitive(value: number | boolean | null): void {
    this.add(this.childPath(), value);
  }

  private add(path: string, value: unknown): void {
    this.ops.push({ op: 'add', path, value });
    this.appending = false;
  }

  /** The JSON Pointer of the value starting now; advances the open array's index. */
  private childPath(): string {
    const f = this.frames[this.frames.length - 1];
    if (f === undefined) return '';
    return f.array ? `${f.path}/${f.index++}` : `${f.path}/${escapePointer(f.key)}`;
  }
}

interface PatchFrame {
  readonly path: string;
  readonly array: boolean;
  /** The index of the array's next element. */
  index: number;
  key: string;
}

/** Escapes a member name for a JSON Pointer (RFC 6901): `~` → `~0`, `/` → `~1`. */
function escapePointer(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replaceAll('~', '~0').replaceAll('/', '~1') : key;
}
