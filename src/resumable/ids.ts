/**
 * Stream ids (128 random bits as 32 lowercase hex digits), cursors (dense decimal sequence
 * numbers) and owner hashes (HMAC-SHA-256 of the principal with the server's secret). Web Crypto
 * only, so it runs wherever `crypto.subtle` does.
 * @internal
 * @module
 */
import { ResumableError } from './errors.ts';

const ID = /^[0-9a-f]{32}$/;
const CURSOR = /^(0|[1-9][0-9]{0,15})$/;

/** A fresh stream id: 128 bits from `crypto.getRandomValues`, as 32 lowercase hex digits. */
export function newStreamId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = '';
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
  return id;
}

/** Whether `id` has the shape of a stream id (no store is asked). */
export function isStreamId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** `id` if it is a stream id, else a `bad_id` error (thrown). */
export function checkStreamId(id: unknown): string {
  if (isStreamId(id)) return id;
  throw new ResumableError('Not a stream id: ids are 32 lowercase hex digits, as the server handed them out.', { code: 'bad_id' });
}

/** A cursor (the last sequence number the client has) as a number; `bad_cursor` (thrown) unless a non-negative safe integer. */
export function checkCursor(after: unknown): number {
  if (typeof after === 'number' && Number.isSafeInteger(after) && after >= 0) return after;
  if (typeof after === 'string' && CURSOR.test(after) && Number.isSafeInteger(Number(after))) return Number(after);
  throw new ResumableError(
    `Not a cursor: ${JSON.stringify(String(after)).slice(0, 40)}; pass the last event id received (a decimal number, 0 for the start).`,
    { code: 'bad_cursor' },
  );
}

const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The owner's hash: HMAC-SHA-256 of `principal` keyed with `secret`, as 32 hex digits. Stored with
 * the stream instead of the principal; give every instance the same secret.
 */
export async function ownerHash(secret: string, principal: string): Promise<string> {
  let key = keys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(principal)));
  let hex = '';
  for (let i = 0; i < 16; i++) hex += mac[i]!.toString(16).padStart(2, '0');
  return hex;
}
