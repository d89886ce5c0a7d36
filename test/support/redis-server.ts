/**
 * A real `redis-server` (Debian's package) for the tests: started on 127.0.0.1 on a free port
 * without persistence, stopped afterwards. `redisServerMissing()` says why the tests cannot run
 * (then they skip loudly, or fail when CI=true).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

/** The redis-server binary (`RXLLM_REDIS_SERVER` names another), or undefined when missing. */
export function redisServerPath(): string | undefined {
  const named = process.env.RXLLM_REDIS_SERVER;
  if (named !== undefined) return existsSync(named) ? named : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Whether the Redis tests skip: redis-server is missing and CI is not `true` (on CI they run and
 * fail). Prints one loud line when they skip.
 */
export function skipWithoutRedis(file: string): boolean {
  if (redisServerPath() !== undefined || process.env.CI === 'true') return false;
  console.warn(`\n*** ${file}: SKIPPED the Redis tests: redis-server not found. Install it (apt-get install redis-server) to run them. ***\n`);
  return true;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts redis-server on 127.0.0.1 (random free port, no RDB, no AOF); resolves once it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisServerPath();
  if (binary === undefined) throw new Error('redis-server not found: install it with `apt-get install redis-server` (CI does).');
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 5 s:\n${output}`)), 5_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${output}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
