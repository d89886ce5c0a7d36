/**
 * `fromIoredis`: an ioredis client in the shape `redisStore` takes.
 * @module
 */
import type { RedisClientLike, RedisConnectionLike } from './redisStore.ts';

/** The part of an ioredis client (`new Redis(url)`) the adapter uses. */
export interface IoredisLike {
  readonly status?: string;
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(options?: { readonly lazyConnect?: boolean; readonly protocol?: 2 | 3 }): IoredisLike;
  connect(): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/**
 * Wraps an ioredis client for {@link redisStore}: commands go through `call`, and each dedicated
 * connection (a blocking reader, the control subscriber) is a `duplicate()` speaking RESP2,
 * connected on demand, so replies have the shapes node-redis's `sendCommand` gives. Create the
 * client itself with `protocol: 2` (ioredis 6 defaults to RESP3, whose map replies differ).
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * const streams = resumable(redisStore({ client: fromIoredis(new Redis('redis://127.0.0.1:6379', { protocol: 2 })) }), { secret });
 * ```
 * @param client A connected (or connecting) ioredis client; it stays the caller's to close.
 * @return The client as `redisStore` takes it.
 */
export function fromIoredis(client: IoredisLike): RedisClientLike {
  const send = (c: IoredisLike) => (args: readonly string[]) => {
    const [command, ...rest] = args;
    if (command === undefined) return Promise.reject(new TypeError('an empty Redis command'));
    return c.call(command, ...rest);
  };
  return {
    sendCommand: send(client),
    duplicate(): RedisConnectionLike {
      // RESP2 on the store's own connections: XREAD's reply is then the array node-redis gives
      const c = client.duplicate({ lazyConnect: true, protocol: 2 });
      return {
        sendCommand: send(c),
        connect: async () => {
          if (c.status === 'wait' || c.status === undefined) await c.connect();
        },
        async subscribe(channel, listener) {
          c.on('message', (from, message) => {
            if (from === channel) listener(message, from);
          });
          await c.subscribe(channel);
        },
        on: (event, listener) => c.on(event, listener),
        destroy: () => c.disconnect(),
      };
    },
  };
}
