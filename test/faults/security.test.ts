/**
 * Errors and logs never carry the API key: failing calls (HTTP 401, HTTP 500, an error event
 * mid-stream, a dropped connection) made with a known fake key, through every provider's SDK,
 * and through the `rxllm` CLI. Each error is searched as a user would print or log it:
 * `String(err)`, `err.message`, `JSON.stringify(err)`, the same for every error of its `cause`
 * chain, and `util.inspect(err)` (what `console.error(err)` prints, causes included); the CLI's
 * stderr and stdout.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fault, ReplayServer } from '../../src/replay/server.ts';
import { startReplayServer } from '../../src/replay/server.ts';
import { FAKE_KEY, faultCaseOf, providerNamed, providers, serve, streamReply } from '../support/conformance.ts';
import { run } from '../support/runs.ts';
import { loadCase } from '../support/fixtures.ts';

/** The failing calls, as replay faults (mid-stream ones after 3 events). */
const failures: readonly { readonly failure: string; readonly fault: Fault }[] = [
  { failure: 'HTTP 401', fault: { kind: 'http', status: 401 } },
  { failure: 'HTTP 500', fault: { kind: 'http', status: 500 } },
  { failure: 'error event', fault: { kind: 'error-event', afterEvents: 3 } },
  { failure: 'dropped connection', fault: { kind: 'drop', afterEvents: 3 } },
];

/** `value` as JSON, cycles cut (`[Circular]`), for errors whose fields point back at themselves. */
function json(value: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return String(v);
      if (typeof v !== 'object' || v === null) return v;
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
      return v;
    }) ?? ''
  );
}

/** Every text a user may print or log of `error`: the error and each error of its cause chain. */
function printed(error: unknown): string[] {
  const out = [inspect(error, { depth: 10 })];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    out.push(String(e), json(e));
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') out.push(message);
  }
  return out;
}

const leaks = (texts: readonly string[]) => texts.filter((t) => t.includes(FAKE_KEY));

it('the search finds a key where there is one (in a cause, in a field)', () => {
  expect(leaks(printed(new Error('outer', { cause: new Error(`inner ${FAKE_KEY}`) })))).not.toEqual([]);
  expect(leaks(printed(Object.assign(new Error('x'), { request: { headers: { authorization: `Bearer ${FAKE_KEY}` } } })))).not.toEqual([]);
});

describe.concurrent.each(providers)('$name', (entry) => {
  it.each(failures)('$failure: no key in the error, its causes, or its inspection', { concurrent: false }, async ({ fault }) => {
    const { server, connection, close } = await serve(entry, FAKE_KEY);
    try {
      const c = faultCaseOf(entry);
      server.reply(streamReply(c, { fault }));
      const { error } = await run(connection.source(c));
      expect(error).toBeInstanceOf(Error);
      expect(leaks(printed(error))).toEqual([]);
      // the key did go out with the request (Bedrock signs with it: the secret itself is never sent)
      const sent = JSON.stringify(server.requests.at(-1)!.headers);
      expect(sent).toContain(entry.sentCredential(FAKE_KEY));
    } finally {
      await close();
    }
  });
});

describe('the rxllm CLI', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const servers: ReplayServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  /** Runs `node src/cli/main.ts chat …` with only `env` (and PATH, HOME) set; resolves with its exit code and output. */
  function cli(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['src/cli/main.ts', 'chat', ...args], {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** How the CLI reaches each provider's replay server with the fake key (Gemini has no endpoint variable: not reachable). */
  const setups = [
    { name: 'openai', http2: false, args: ['-p', 'openai'], env: (url: string) => ({ OPENAI_API_KEY: FAKE_KEY, OPENAI_BASE_URL: `${url}/v1` }) },
    { name: 'anthropic', http2: false, args: ['-p', 'anthropic'], env: (url: string) => ({ ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: url }) },
    {
      name: 'bedrock',
      // the CLI's Bedrock client speaks HTTP/2 to a real endpoint
      http2: true,
      args: ['-p', 'bedrock', '-m', loadCase('bedrock/text').model],
      env: (url: string) => ({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: FAKE_KEY, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: url }),
    },
  ] as const;

  it.each(setups.flatMap((setup) => failures.map((f) => ({ ...setup, ...f }))))(
    '$name, $failure: stderr and stdout name the failure, never the key',
    { concurrent: true },
    async ({ name, http2, args, env, fault }) => {
      const entry = providerNamed(name);
      const server = await startReplayServer(streamReply(faultCaseOf(entry), { fault }), { http2 });
      servers.push(server);
      const result = await cli([...args, 'hi'], env(server.url));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error/i);
      // the CLI keeps the SDKs' retries: a 500 is sent up to 3 times
      expect(server.requests.length).toBeGreaterThanOrEqual(1);
      expect(result.stderr).not.toContain(FAKE_KEY);
      expect(result.stdout).not.toContain(FAKE_KEY);
    },
  );
});
