/**
 * Assembling a Vertex AI function call streamed in pieces (`streamFunctionCallArguments`:
 * `functionCall.partialArgs`, each a JSON path and a value, a long string in several pieces
 * with `willContinue`) into the call's arguments object. Pure. @internal
 * @module
 */
import { MalformedChunkError } from '../../core/errors.ts';
import { checkKey } from '../../core/delta-writer.ts';
import type { GeminiPartialArgWire } from './wire.ts';
import { GOOGLE_PROVIDER } from './wire.ts';

/** Deepest path rxllm follows in a streamed argument (a deeper one is a `MalformedChunkError`). */
const MAX_PATH_DEPTH = 64;

/** The arguments of one streamed function call, built piece by piece. @internal */
export class PartialArgs {
  readonly value: Record<string, unknown> = {};
  /** The path whose string value is still continuing, if any. */
  private continuing: string | undefined;

  /** Applies one piece: sets its value at its path, or appends a continued string. */
  apply(piece: GeminiPartialArgWire): void {
    const path = piece.jsonPath;
    if (typeof path !== 'string') return;
    const value = valueOf(piece);
    const keys = parsePath(path);
    if (keys.length === 0) return;
    let parent: Record<string | number, unknown> = this.value;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i]!;
      let next = parent[key];
      if (next === null || typeof next !== 'object') parent[key] = next = typeof keys[i + 1] === 'number' ? [] : {};
      parent = next as Record<string | number, unknown>;
    }
    const last = keys[keys.length - 1]!;
    const previous = parent[last];
    parent[last] = this.continuing === path && typeof previous === 'string' && typeof value === 'string' ? previous + value : value;
    this.continuing = piece.willContinue === true ? path : undefined;
  }
}

function valueOf(piece: GeminiPartialArgWire): unknown {
  if (piece.stringValue !== undefined) return piece.stringValue;
  if (piece.numberValue !== undefined) return piece.numberValue;
  if (piece.boolValue !== undefined) return piece.boolValue;
  return null;
}

/** `$.a.b[0]['c d']` → `['a', 'b', 0, 'c d']`; an unreadable path is a `MalformedChunkError`. */
function parsePath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  if (!path.startsWith('$')) throw badPath(path);
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (m === null || keys.length >= MAX_PATH_DEPTH) throw badPath(path);
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(checkKey(Number(m[2]), GOOGLE_PROVIDER));
    else keys.push((m[3] ?? m[4])!.replace(/\\(.)/g, '$1'));
  }
  return keys;
}

function badPath(path: string): MalformedChunkError {
  return new MalformedChunkError(
    `${GOOGLE_PROVIDER} streamed a function argument with a JSON path rxllm cannot follow: ${JSON.stringify(path.slice(0, 200))}. ` +
      'The stream was stopped; what had arrived is in `partial`.',
    { provider: GOOGLE_PROVIDER, line: path.slice(0, 200) },
  );
}
