/**
 * `rxllm chat` as people run it: the interactive chat driven through a real pseudo-terminal
 * (util-linux `script` allocates it; keys are typed into it and the screen is read back) against a
 * loopback OpenAI-compatible server that records what it receives: two turns with history,
 * Ctrl-C mid-answer (the request is aborted), `/reset`, `/save`, `/exit`; then the piped-stdin
 * and no-terminal cases of `npm start`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { loadCase, streamReply } from './support/fixtures.ts';

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript && process.env.CI !== 'true') {
  console.warn('SKIPPED test/cli-interactive.test.ts: util-linux `script` is not installed (apt-get install bsdutils) — it is required when CI=true.');
}

const MAIN = 'src/cli/main.ts';
const text = loadCase('openai-chat/text');

/** Printable screen text: escape sequences and carriage returns removed. */
function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\x1b\][^\x07]*\x07|\r/g, '');
}

class Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  screen = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    const command = [process.execPath, MAIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    this.child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '', TERM: 'xterm', COLUMNS: '120', LINES: '40', ...env } });
    this.child.stdout.on('data', (chunk: Buffer) => (this.screen += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Resolves once the screen (from `from` on) shows `pattern`. */
  async waitFor(pattern: string | RegExp, from = 0, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = plain(this.screen.slice(from));
      if (typeof pattern === 'string' ? shown.includes(pattern) : pattern.test(shown)) return shown;
      if (Date.now() > deadline) throw new Error(`the terminal did not show ${String(pattern)}; it shows:\n${shown}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe.skipIf(!hasScript && process.env.CI !== 'true')('rxllm chat in a terminal (pseudo-terminal)', () => {
  let server: ReplayServer;
  let term: Terminal;
  beforeAll(async () => {
    server = await startReplayServer(undefined, { record: true });
    server.reply(streamReply(text, { delayMs: 5 }));
    term = new Terminal(['chat', '-p', 'openai', '-m', 'gpt-test'], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` });
    await term.waitFor('you ›');
  });
  afterAll(async () => {
    term.child.kill();
    await server.close();
  });

  it('two turns: the second request carries the first question and answer', async () => {
    let from = term.screen.length;
    term.type('First question\r');
    await term.waitFor(/finish stop/, from);
    from = term.screen.length;
    term.type('Second question\r');
    const shown = await term.waitFor(/finish stop/, from);
    expect(shown).toContain(text.expect.text.slice(0, 40));
    const second = server.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    expect(second.messages).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: text.expect.text },
      { role: 'user', content: 'Second question' },
    ]);
  });

  it('Ctrl-C mid-answer stops it, aborts the request, and the chat goes on', async () => {
    server.reply(streamReply(text, { delayMs: 150 }));
    const from = term.screen.length;
    term.type('Slow one\r');
    await term.waitFor("I'm", from);
    term.type('\x03');
    await term.waitFor('stopped:', from);
    await server.waitForSocketsClosed(2_000);
    await term.waitFor('you ›', from);
  });

  it('/reset forgets the conversation; /save writes it', async () => {
    server.reply(streamReply(text, { delayMs: 0 }));
    let from = term.screen.length;
    term.type('/reset\r');
    await term.waitFor('conversation forgotten', from);
    from = term.screen.length;
    term.type('After reset\r');
    await term.waitFor(/finish stop/, from);
    expect((server.requests.at(-1)!.body as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: 'After reset' }]);
    const file = join(mkdtempSync(join(tmpdir(), 'rxllm-')), 'chat.json');
    from = term.screen.length;
    term.type(`/save ${file}\r`);
    await term.waitFor('saved 2 messages', from);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ provider: 'openai', model: 'gpt-test', messages: [{ role: 'user', content: 'After reset' }, { role: 'assistant' }] });
  });

  it('the status line shows while waiting and streaming, then /exit ends with 0', async () => {
    server.reply(streamReply(text, { delayMs: 30 }));
    const from = term.screen.length;
    term.type('Show the status\r');
    await term.waitFor(/tok\/s/, from);
    await term.waitFor(/finish stop/, from);
    term.type('/exit\r');
    expect(await term.exited).toBe(0);
  });
});

describe.skipIf(!hasScript && process.env.CI !== 'true')('Ctrl-C at the prompt', () => {
  it('once warns, twice exits with 130', async () => {
    const term = new Terminal(['chat', '--speed', '0'], { OPENAI_API_KEY: '' });
    try {
      await term.waitFor('you ›');
      term.type('\x03');
      await term.waitFor('press Ctrl-C again to exit');
      term.type('\x03');
      expect(await term.exited).toBe(130);
    } finally {
      term.child.kill();
    }
  });
});

describe('rxllm chat without a terminal', () => {
  it('piped stdin is the prompt', async () => {
    const server = await startReplayServer(streamReply(text), { record: true });
    try {
      // async: the replay server runs in this process, so a blocking spawnSync would starve it
      const child = spawn(process.execPath, [MAIN, 'chat', '-p', 'openai'], { env: { ...process.env, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stdin.end('What is piped?\n');
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const result = { status, stdout };
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`${text.expect.text}\n`);
      expect((server.requests[0]!.body as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: 'What is piped?' }]);
    } finally {
      await server.close();
    }
  });

  it('npm start with neither a prompt nor stdin plays the replay and says its question before the answer; no status codes in piped output', () => {
    const result = spawnSync(process.execPath, [MAIN, 'chat', '--speed', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', GOOGLE_API_KEY: '' }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^replay openai-text: .*\nrecorded question: What's the weather like in SF\?\n/);
    expect(result.stderr).not.toMatch(/ignored/);
    expect(result.stdout).toBe(`${loadCase('openai-chat/text').expect.text}\n`);
    expect(result.stdout).not.toMatch(/\x1b/);
  });

  it('a different prompt on the replay is reported as ignored before the answer, and in --json', () => {
    const result = spawnSync(process.execPath, [MAIN, 'chat', '--speed', '0', '--json', 'Why is the sky blue?'], { encoding: 'utf8', env: { ...process.env, OPENAI_API_KEY: '' } });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/your prompt is ignored: "Why is the sky blue\?"/);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: text.expect.text, replay: { name: 'openai-text', question: "What's the weather like in SF?", promptIgnored: true } });
  });
});
