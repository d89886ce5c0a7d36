/**
 * sseHandler's writes on the wire (a real node:http server on 127.0.0.1, read as raw bytes): the
 * frames of one event-loop turn leave as one HTTP chunk (one socket write), the status line
 * and headers with them, and nothing waits past the turn.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { concat, Observable, of } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { sseHandler } from '../src/node/index.ts';
import { finishDelta, textDelta } from '../src/testing/index.ts';

/** The chunks of a chunked HTTP/1.1 body, as sent (the terminating empty chunk left out). */
function chunksOf(body: string): string[] {
  const chunks: string[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return chunks;
    chunks.push(body.slice(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** The events of an SSE text. */
const events = (text: string) => text.split('\n\n').filter((e) => e !== '');

let server: Server;
let port: number;
/** When the source's later deltas were emitted (ms, performance.now). */
let laterAt = 0;

beforeAll(async () => {
  server = createServer(
    sseHandler(() =>
      concat(
        // one turn: three deltas
        of(textDelta('a'), textDelta('b'), textDelta('c')),
        // a later turn: two deltas and the end
        new Observable<Delta>((subscriber) => {
          const timer = setTimeout(() => {
            laterAt = performance.now();
            subscriber.next(textDelta('d'));
            subscriber.next(finishDelta('stop'));
            subscriber.complete();
          }, 50);
          return () => clearTimeout(timer);
        }),
      ),
    ),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it('the frames of one turn go out as one HTTP chunk with the head, and a later turn as its own', async () => {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  const body = JSON.stringify({ model: 'm' });
  socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  /** Each socket read, and when it came. */
  const reads: { text: string; at: number }[] = [];
  socket.on('data', (text: string) => reads.push({ text, at: performance.now() }));
  await once(socket, 'end');

  const raw = reads.map((r) => r.text).join('');
  const split = raw.indexOf('\r\n\r\n');
  expect(raw.slice(0, split)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*transfer-encoding: chunked/i);
  const chunks = chunksOf(raw.slice(split + 4));
  expect(chunks.map((c) => events(c).length)).toEqual([3, 3]);
  expect(events(chunks[0]!).map((e) => JSON.parse(e.slice('data: '.length)).choices[0].delta.content)).toEqual(['a', 'b', 'c']);
  expect(events(chunks[1]!).at(-1)).toBe('data: [DONE]');
  // the head and the first turn's frames came in the first read, before the later turn
  expect(reads[0]!.text).toContain('"content":"c"');
  expect(reads[0]!.at).toBeLessThan(laterAt);
});
