import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Random JSON documents written in every way JSON allows: strings with short escapes, `\u`
 * escapes in either case (surrogate pairs included) and raw non-ASCII characters, numbers in
 * plain, fraction and exponent forms, random whitespace, deep nesting.
 */
export const jsonValue = fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' });

/** A JSON text for `value`, with escapes, number forms and whitespace chosen from `choices`. */
export function writeJson(value: unknown, choices: readonly number[]): string {
  let k = 0;
  const pick = (n: number): number => choices[k++ % choices.length]! % n;
  const ws = (): string => ['', '', ' ', '\n  ', '\t', '\r\n'][pick(6)]!;
  const str = (s: string): string => {
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      const way = pick(4);
      if (ch === '"' || ch === '\\' || c < 0x20 || way === 0) {
        const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' };
        if (short[ch] !== undefined && pick(2) === 0) out += short[ch];
        else for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')[pick(2) === 0 ? 'toUpperCase' : 'toLowerCase']()}`;
      } else {
        out += ch;
      }
    }
    return `${out}"`;
  };
  const num = (n: number): string => {
    const way = pick(3);
    if (way === 1) return n.toExponential();
    if (way === 2) return n.toExponential().toUpperCase().replace('+', pick(2) === 0 ? '+' : '');
    return JSON.stringify(n);
  };
  const write = (v: unknown): string => {
    if (v === null || typeof v === 'boolean') return String(v);
    if (typeof v === 'number') return num(v);
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return `[${ws()}${v.map((e) => `${write(e)}${ws()}`).join(`,${ws()}`)}]`;
    const entries = Object.entries(v as object);
    return `{${ws()}${entries.map(([key, e]) => `${str(key)}${ws()}:${ws()}${write(e)}${ws()}`).join(`,${ws()}`)}}`;
  };
  return `${ws()}${write(value)}${ws()}`;
}

/** Choices for {@link writeJson}. */
export const choices = fc.array(fc.nat(1000), { minLength: 1, maxLength: 50 });

/** Splits `text` at the given cut points (sorted, deduplicated, inside the text). */
export function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) parts.push(text.slice(from, p));
    from = Math.max(from, p);
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/**
 * True when `partial` is a beginning of `whole`: equal primitives, a string prefix, an array
 * whose elements are `whole`'s first ones (all equal but the last, which may be partial), an
 * object whose members are among `whole`'s (each partial of the same member).
 */
export function isPartialOf(partial: unknown, whole: unknown): boolean {
  if (partial === undefined) return true;
  if (typeof partial === 'string') return typeof whole === 'string' && whole.startsWith(partial);
  if (partial === null || typeof partial !== 'object') return Object.is(partial, whole);
  if (Array.isArray(partial)) {
    if (!Array.isArray(whole) || partial.length > whole.length) return false;
    return partial.every((e, i) => isPartialOf(e, whole[i]));
  }
  if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) return false;
  return Object.keys(partial).every((key) => Object.hasOwn(whole, key) && isPartialOf((partial as Record<string, unknown>)[key], (whole as Record<string, unknown>)[key]));
}

/** Every pair of containers at the same path in `a` and `b` that are deeply equal is one object. */
export function sharesUnchanged(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return true;
  if (a !== b && deepEqual(a, b)) return false;
  for (const key of Object.keys(b)) {
    if (Object.hasOwn(a, key) && !sharesUnchanged((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Applies `add` and `append` operations to `doc` (mutating containers) and returns the document. */
export function applyPatches(doc: unknown, ops: readonly { op: 'add' | 'append'; path: string; value: unknown }[]): unknown {
  for (const { op, path, value } of ops) {
    if (path === '') {
      doc = op === 'add' ? value : (doc as string) + (value as string);
      continue;
    }
    const keys = path.slice(1).split('/').map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    let parent = doc as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
    const last = keys.at(-1)!;
    const next = op === 'add' ? (value !== null && typeof value === 'object' ? (Array.isArray(value) ? [] : {}) : value) : (parent[last] as string) + (value as string);
    if (Array.isArray(parent) && op === 'add') {
      expect(Number(last)).toBe(parent.length); // elements are only ever added at the end
      parent.push(next);
    } else {
      Object.defineProperty(parent, last, { value: next, writable: true, enumerable: true, configurable: true });
    }
  }
  return doc;
}
