/**
 * A producing instance in its own process, for the crash test: publishes an endless source (one
 * value every 20 ms) on the Redis at argv[2] with heartbeat argv[3] ms, prints the stream id as
 * one line, then runs until killed.
 *
 * `node test/support/resumable-producer.ts redis://127.0.0.1:PORT 1000`
 */
import { createClient } from 'redis';
import { interval, map } from 'rxjs';
import { redisStore, resumable } from '../../src/resumable/index.ts';

const client = await createClient({ url: process.argv[2] }).connect();
const streams = resumable(redisStore({ client }), { secret: 'test-secret', heartbeatMs: Number(process.argv[3]) });
const { id } = await streams.publish(interval(20).pipe(map((n) => ({ n }))), { owner: 'alice' });
process.stdout.write(`${id}\n`);
