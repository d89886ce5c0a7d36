/**
 * A replay server in its own process, for load tests whose client and server sockets together
 * would pass one process's file-descriptor limit. Serves `openai-chat/logprobs` with each
 * request's own text (`Foo <n>!`, n from the request's model `m-<n>`); `GET /stats` answers
 * `{ requests, openSockets }`. Prints its URL as one line, then runs until killed.
 *
 * `node test/support/replay-child.ts`
 */
import { startReplayServer, type ReplayServer } from '../../src/replay/server.ts';
import type { WireEvent } from '../../src/replay/wire.ts';
import { loadCase } from './fixtures.ts';

const c = loadCase('openai-chat/logprobs');
/** The recorded events with the text fragment `Foo` made `Foo <n>`. */
export function eventsFor(n: string): WireEvent[] {
  return c.events.map((e: any) =>
    e.data?.choices?.[0]?.delta?.content === 'Foo' ? { data: { ...e.data, choices: [{ ...e.data.choices[0], delta: { content: `Foo ${n}` } }] } } : e,
  );
}

let server: ReplayServer | undefined;
let requests = 0;
server = await startReplayServer(
  (request) => {
    if (request.path === '/stats') return { kind: 'json', body: { requests, openSockets: server!.openSockets() } };
    requests++;
    server!.requests.length = 0; // keep memory flat: only the count matters here
    return { format: 'openai-chat', events: eventsFor(String(request.body.model).slice(2)) };
  },
  { backlog: 8192 },
);
process.stdout.write(`${server.url}\n`);
