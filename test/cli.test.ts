/**
 * The `rxllm` CLI, run as a child process (`node src/cli/main.ts ...`): the embedded replay
 * through each provider's real SDK, `--json`, usage errors and exit codes, a real provider path
 * against a loopback OpenAI-compatible server (with faults), and Ctrl-C. The renderer and stats
 * line are also checked in-process on recorded deltas.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { SnapshotBuilder } from '../src/core/snapshot-builder.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { LiveRenderer } from '../src/cli/render.ts';
import { replayNames } from '../src/cli/replays.ts';
import { formatStats, StreamStats } from '../src/cli/stats.ts';
import { styleFor, wantsColour } from '../src/cli/style.ts';
import { loadCase } from './support/fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const ESC = '\x1b[';

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A clean environment: no provider keys, no proxies, unless given. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

/** Runs `node src/cli/main.ts ...args` to its end. */
function run(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { cwd: root, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs with `--json` and parses the snapshot on stdout. */
async function runJSON(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<{ run: Run; snapshot: Snapshot }> {
  const result = await run([...args, '--json'], extraEnv);
  expect(result.stderr).not.toContain('unexpected error');
  return { run: result, snapshot: JSON.parse(result.stdout) as Snapshot };
}

/** A 127.0.0.1 port with nothing listening (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.concurrent('rxllm chat: embedded replay (offline)', () => {
  it('replays openai-text by default, paced, and prints the recorded text, a replay notice and a stats line', async () => {
    const expected = loadCase('openai-chat/text').expect;
    const result = await run(['chat', 'What is the weather in SF?']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${expected.text}\n`);
    expect(result.stdout).not.toContain(ESC); // stdout is a pipe: no colour
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^replay openai-text: a recorded gpt-4o-2024-08-06 answer, played through openai and rxllm\.$/);
    expect(lines[1]).toBe("recorded question: What's the weather like in SF?");
    expect(lines[2]).toMatch(/^your prompt is ignored: "What is the weather in SF\?" — a replay answers only its recorded question\./);
    const stats = /^(\d+) ms to first delta · (\d+) deltas · (\d+) chars\/s · tokens 14 in, 30 out · finish stop$/.exec(lines[3]!);
    expect(stats, lines[3]).not.toBeNull();
    expect(Number(stats![1])).toBeGreaterThanOrEqual(300); // the realistic pace waits before the first event
    expect(Number(stats![2])).toBeGreaterThan(30);
  });

  it('--json prints the final snapshot, equal to what the fixture expects', async () => {
    const expected = loadCase('openai-chat/text').expect;
    const { run: result, snapshot } = await runJSON(['chat', '--speed', '0', 'hi']);
    expect(result.code).toBe(0);
    expect(snapshot.text).toBe(expected.text);
    expect(snapshot.finishReason).toBe('stop');
    expect(snapshot.finishRaw).toBe(expected.finishReason);
    expect(snapshot.usage).toEqual({ inputTokens: 14, outputTokens: 30, reasoningTokens: 0 });
    expect(result.stderr).toMatch(/^replay openai-text: .* at full speed, played through openai and rxllm\.\n.*\nyour prompt is ignored: "hi" /);
  });

  const cases: Record<string, string> = {
    'openai-text': 'openai-chat/text',
    'openai-tool-call': 'openai-chat/tool-call',
    'deepseek-reasoning': 'openai-compatible/deepseek-reasoning',
    'anthropic-thinking': 'anthropic/thinking',
    'gemini-thought': 'gemini/thought',
    'bedrock-reasoning': 'bedrock/reasoning',
  };

  it('lists every replay with --replay list, and every replay has a fixture to check against', async () => {
    const result = await run(['chat', '--replay', 'list']);
    expect(result.code).toBe(0);
    for (const name of replayNames) expect(result.stdout).toMatch(new RegExp(`^${name} `, 'm'));
    expect(Object.keys(cases).sort()).toEqual([...replayNames].sort());
  });

  it.each(Object.entries(cases))('--replay %s goes through its own SDK and source and rebuilds the recorded response', async (name, fixture) => {
    const expected = loadCase(fixture).expect;
    const { run: result, snapshot } = await runJSON(['chat', '--replay', name, '--speed', '0', 'x']);
    expect(result.code).toBe(0);
    expect(snapshot.text).toBe(expected.text);
    expect(snapshot.reasoning).toBe(expected.reasoning);
    expect(snapshot.toolCalls.map((c) => ({ name: c.name, arguments: c.argsText }))).toEqual(
      expected.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })),
    );
    expect(snapshot.finishRaw ?? null).toBe(expected.finishReason);
  });

  it('renders reasoning apart from the answer, which starts on a new line', async () => {
    const expected = loadCase('openai-compatible/deepseek-reasoning').expect;
    const result = await run(['chat', '--replay', 'deepseek-reasoning', '--speed', '0', 'x']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`[reasoning]\n${expected.reasoning}\n\n[answer]\n${expected.text}\n`);
    expect(result.stderr).toMatch(/tokens 6 in, 212 out \(198 reasoning\) · finish stop$/m);
  });

  it('shows a tool call with its arguments', async () => {
    const result = await run(['chat', '--replay', 'openai-tool-call', '--speed', '0', 'x']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('[tool call] GetWeatherArgs {"city":"Edinburgh","country":"UK","units":"c"}\n');
    expect(result.stderr).toMatch(/finish tool-calls \(tool_calls\)$/m);
  });

  it('Ctrl-C mid-replay aborts the request: the replay socket closes and the process exits 130 promptly', async () => {
    const full = loadCase('openai-compatible/deepseek-reasoning').expect.reasoning;
    const child = spawn(process.execPath, ['src/cli/main.ts', 'chat', '--replay', 'deepseek-reasoning', '--speed', '0.5', 'x'], {
      cwd: root,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // wait for some reasoning to be on the screen, then interrupt
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        if (stdout.length > '[reasoning]\n'.length + 10) resolve();
      });
    });
    const sentAt = performance.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(performance.now() - sentAt).toBeLessThan(2_000);
    expect(code).toBe(130);
    expect(stderr).toMatch(/^interrupted: request aborted after \d+ deltas; the replay connection closed\.$/m);
    expect(stdout.length).toBeLessThan(full.length); // it did stop mid-stream
    expect(full.startsWith(stdout.slice('[reasoning]\n'.length).trimEnd())).toBe(true);
  });
});

describe.concurrent('rxllm chat: usage errors (exit 2)', () => {
  it('--help prints the usage and exits 0', async () => {
    const result = await run(['chat', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage:\n  rxllm chat                 interactive chat in a terminal');
    expect(result.stdout.split('\n').length).toBeLessThanOrEqual(40); // fits a screen
    expect(result.stdout).toContain('--replay <name>');
  });

  it('unknown provider', async () => {
    const result = await run(['chat', '--provider', 'nope', 'hi']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("rxllm: unknown provider 'nope'. Providers: openai, openai-responses, anthropic, google, bedrock, llama-cpp, replay.\n");
    expect(result.stdout).toBe('');
  });

  it('missing OPENAI_API_KEY with --provider openai names the variable', async () => {
    const result = await run(['chat', '--provider', 'openai', 'hi']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rxllm: --provider openai needs an API key: set OPENAI_API_KEY /);
  });

  it.each([
    ['anthropic', 'ANTHROPIC_API_KEY'],
    ['google', 'GEMINI_API_KEY or GOOGLE_API_KEY'],
    ['bedrock', 'AWS_REGION'],
  ])('missing key for --provider %s names %s', async (provider, variable) => {
    const result = await run(['chat', '-p', provider, 'hi']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(variable);
  });

  it('an empty prompt typed after the command', async () => {
    for (const args of [['chat', ''], ['chat', '  ']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^rxllm: the prompt is empty\./);
    }
  });

  it('unknown flag, bad flag value, unknown command, unknown replay, conflicting flags', async () => {
    const expectations: [string[], RegExp][] = [
      [['chat', '--frobnicate', 'hi'], /unknown option '--frobnicate'/],
      [['chat', '--speed', 'fast', 'hi'], /--speed takes a number >= 0/],
      [['chat', '--max-tokens', '0', 'hi'], /--max-tokens takes a whole number/],
      [['talk', 'hi'], /unknown command 'talk'/],
      [['chat', '--replay', 'nope', 'hi'], /unknown replay 'nope'\. Replays: openai-text, /],
      [['chat', '--replay', 'openai-text', '-p', 'openai', 'hi'], /cannot be combined with --provider openai/],
      [[], /a command is missing/],
    ];
    for (const [args, message] of expectations) {
      const result = await run(args, { OPENAI_API_KEY: 'sk-test' });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe.concurrent('rxllm chat with a real provider against a loopback server', () => {
  const servers: ReplayServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const serve = async (reply: Parameters<typeof startReplayServer>[0]) => {
    const server = await startReplayServer(reply, { record: true });
    servers.push(server);
    return server;
  };

  it('picks openai from OPENAI_API_KEY, sends the prompt to OPENAI_BASE_URL, streams the answer', async () => {
    const recorded = loadCase('openai-chat/text');
    const server = await serve({ format: 'openai-chat', events: recorded.events });
    const result = await run(['chat', '-m', 'gpt-test', 'Tell me the weather'], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${recorded.expect.text}\n`);
    expect(result.stderr).not.toContain('replay');
    expect(result.stderr).toMatch(/ms to first delta · \d+ deltas · \d+ chars\/s · tokens 14 in, 30 out · finish stop\n$/);
    const request = server.requests[0]!;
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toMatchObject({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'Tell me the weather' }] });
  });

  it('picks anthropic from ANTHROPIC_API_KEY (ANTHROPIC_BASE_URL honoured), reasoning then answer', async () => {
    const recorded = loadCase('anthropic/thinking');
    const server = await serve({ format: 'anthropic', events: recorded.events });
    const result = await run(['chat', 'Cross the street?'], { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`[reasoning]\n${recorded.expect.reasoning}\n\n[answer]\n${recorded.expect.text}\n`);
    expect(result.stderr).toMatch(/· finish stop \(end_turn\)\n$/);
    const request = server.requests[0]!;
    expect(request.headers['x-api-key'] ?? request.headers.authorization).toMatch(/sk-ant-test$/); // the SDK picks the header
    expect(request.body).toMatchObject({ model: 'claude-sonnet-4-6', max_tokens: 4096, stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'Cross the street?' }] }] });
  });

  it('an unreachable OPENAI_BASE_URL gives a message naming the URL (exit 1)', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    const result = await run(['chat', '-p', 'openai', 'hi'], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`could not reach ${url} (ECONNREFUSED)`);
    expect(result.stderr).toContain('Check OPENAI_BASE_URL');
  });

  it('a 401 names the key variable', async () => {
    const server = await serve({ format: 'openai-chat', fault: { kind: 'http', status: 401 } });
    const result = await run(['chat', '-p', 'openai', 'hi'], { OPENAI_API_KEY: 'sk-bad', OPENAI_BASE_URL: `${server.url}/v1` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: openai error 401 \(invalid_api_key\) from http:\/\/127\.0\.0\.1:\d+\/v1: /m);
    expect(result.stderr).toContain('Check the key in OPENAI_API_KEY.');
  });

  it('a connection dropped mid-stream keeps what arrived: rendered, and as the partial snapshot with --json (exit 1)', async () => {
    const recorded = loadCase('openai-chat/text');
    const server = await serve({ format: 'openai-chat', events: recorded.events, fault: { kind: 'drop', afterEvents: 10 } });
    const environment = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` };
    const live = await run(['chat', 'hi'], environment);
    expect(live.code).toBe(1);
    expect(live.stdout.length).toBeGreaterThan(1);
    expect(recorded.expect.text.startsWith(live.stdout.trimEnd())).toBe(true);
    expect(live.stderr).toMatch(/^error: StreamTruncatedError: /m);
    expect(live.stderr).toMatch(/^\(\d+ deltas had arrived\)$/m);

    const json = await run(['chat', 'hi', '--json'], environment);
    expect(json.code).toBe(1);
    const partial = JSON.parse(json.stdout) as Snapshot;
    expect(partial.text.trimEnd()).toBe(live.stdout.trimEnd());
    expect(partial.finishReason).toBeUndefined();
  });
});

describe('live rendering (in-process)', () => {
  const collect = () => {
    const writes: string[] = [];
    return { writes, out: { write: (s: string) => writes.push(s) }, text: () => writes.join('') };
  };

  it('writes each content delta once, as it arrives; reasoning dimmed and labelled, the answer on a new line', () => {
    const sink = collect();
    const renderer = new LiveRenderer(sink.out, styleFor(true));
    const deltas: Delta[] = [
      { type: 'metadata', provider: 'test' },
      { type: 'reasoning', text: 'Let me ' },
      { type: 'reasoning', text: 'think.' },
      { type: 'reasoning', text: '', signature: 'sig' },
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' world' },
      { type: 'finish', reason: 'stop' },
    ];
    for (const d of deltas) renderer.next(d);
    renderer.end();
    expect(sink.text()).toBe('\x1b[2m[reasoning]\nLet me think.\x1b[0m\n\n\x1b[2m[answer]\x1b[0m\nHello world\n');
    expect(sink.writes).toContain('Let me ');
    expect(sink.writes).toContain(' world');
  });

  it('renders tool calls by index, including interleaved argument fragments, without colour when off', () => {
    const sink = collect();
    const renderer = new LiveRenderer(sink.out, styleFor(false));
    const deltas: Delta[] = [
      { type: 'text', text: 'Calling.' },
      { type: 'tool-call-start', index: 0, id: 'a', name: 'weather' },
      { type: 'tool-call-delta', index: 0, argsText: '{"city":' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'stocks' },
      { type: 'tool-call-delta', index: 1, argsText: '{"t":"X"}' },
      { type: 'tool-call-delta', index: 0, argsText: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
    ];
    for (const d of deltas) renderer.next(d);
    renderer.end();
    expect(sink.text()).toBe(
      'Calling.\n[tool call] weather {"city":\n[tool call] stocks {"t":"X"}\n[tool call] weather "Paris"}\n',
    );
  });

  it('end() after an interrupted reasoning resets the style and ends the line', () => {
    const sink = collect();
    const renderer = new LiveRenderer(sink.out, styleFor(true));
    renderer.next({ type: 'reasoning', text: 'half' });
    renderer.end();
    expect(sink.text()).toBe('\x1b[2m[reasoning]\nhalf\x1b[0m\n');
  });

  it('colour only on a TTY without NO_COLOR', () => {
    expect(wantsColour({ isTTY: true }, {})).toBe(true);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
    expect(wantsColour({}, {})).toBe(false);
  });

  it('the stats line: time to first content delta, deltas, chars/s over the generation, usage, finish', () => {
    const stats = new StreamStats(1000);
    const builder = new SnapshotBuilder();
    const feed = (d: Delta, at: number) => {
      builder.apply(d);
      stats.next(d, at);
    };
    feed({ type: 'metadata', provider: 'x' }, 1100);
    feed({ type: 'reasoning', text: 'abcd' }, 1250);
    feed({ type: 'text', text: 'efgh' }, 1300);
    feed({ type: 'usage', inputTokens: 5, outputTokens: 9, reasoningTokens: 3 }, 1400);
    feed({ type: 'finish', reason: 'length', raw: 'max_tokens' }, 1400);
    stats.end(1450);
    expect(formatStats(stats, builder.snapshot())).toBe(
      '250 ms to first delta · 5 deltas · 40 chars/s · tokens 5 in, 9 out (3 reasoning) · finish length (max_tokens)',
    );
    const empty = new StreamStats(0);
    empty.end(10);
    expect(formatStats(empty, new SnapshotBuilder().snapshot())).toBe('no content · 0 deltas · n/a chars/s · tokens n/a · finish n/a');
  });
});
