/**
 * The Angular example app (examples/angular: standalone, zoneless, OnPush, chatResource over
 * httpClientTransport) in Debian's headless Chromium driven by playwright-core, talking to
 * `rxllm serve` (the embedded DeepSeek reasoning replay) through a same-origin proxy, as a dev
 * server's proxy would. The proxy records whether each request's connection closed before its
 * answer ended (an aborted request) and injects a fault (cuts the connection mid-answer) for
 * prompts containing "fault".
 *
 * Without Chromium (or with RXLLM_SKIP_BROWSER set) it is skipped with one loud line; with
 * CI=true it is required (.ci/run installs Chromium).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkip, launchChromium } from '../support/chromium.ts';
import { buildApp, type BuiltApp } from '../../examples/angular/build.ts';
import { startServe, type ServeHandle } from '../../src/cli/serve/server.ts';
import { loadCase } from '../support/fixtures.ts';

const skip = browserSkip('test/browser/angular-chat', 'the Angular example in headless Chromium');
const VIEWPORT = { width: 900, height: 640 };
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Proxied {
  readonly prompt: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** true: the browser closed the connection before the answer ended. */
  readonly aborted: Promise<boolean>;
}

describe.skipIf(skip !== undefined)('the Angular example app in headless Chromium, against rxllm serve', () => {
  let pages: Server;
  let serve: ServeHandle;
  let context: BrowserContext;
  let dir: string;
  let app: BuiltApp;
  let buildMs: number;
  let origin: string;
  const proxied: Proxied[] = [];

  beforeAll(async () => {
    const started = performance.now();
    app = await buildApp({ rxllmEntry: join(root, 'src/angular/index.ts') });
    buildMs = performance.now() - started;
    // speed 6: the recording's 212 events over about 1 s, long enough to press Cancel mid-answer
    serve = await startServe({ provider: 'replay', replay: 'deepseek-reasoning', speed: 6, replayDir: join(root, 'replay'), port: 0, env: {} });

    pages = createServer((req, res) => {
      if (req.url === '/main.js') return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(app.js);
      if (req.url === '/') {
        return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(app.html({ url: '/v1/chat/completions', model: serve.model }));
      }
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') return void res.writeHead(404).end();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const prompt = String((JSON.parse(body.toString()) as { messages: { content: string }[] }).messages.at(-1)?.content);
        let ended = false;
        proxied.push({ prompt, headers: req.headers, aborted: new Promise((resolve) => res.on('close', () => resolve(!ended))) });
        const upstream = httpRequest(`${serve.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (up) => {
          res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'text/event-stream' });
          let sent = 0;
          up.on('data', (c: Buffer) => {
            res.write(c);
            sent += c.length;
            if (prompt.includes('fault') && sent > 6_000) {
              ended = true; // the fault is ours, not the browser's abort
              up.destroy();
              res.destroy();
            }
          });
          up.on('end', () => {
            ended = true;
            res.end();
          });
        });
        upstream.on('error', () => res.destroy()); // destroyed on purpose below, or serve went away
        res.on('close', () => upstream.destroy()); // the browser went away: so does the request to rxllm serve
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;

    dir = await mkdtemp(join(tmpdir(), 'rxllm-angular-'));
    context = await launchChromium(dir, { viewport: VIEWPORT });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await serve?.close();
    await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
    if (dir !== undefined) await rm(join(dir, 'profile'), { recursive: true, force: true });
  });

  // one page for the whole conversation (Angular compiles the app JIT at startup: about a second)
  let tab: Page;
  const problems: string[] = [];
  async function open(): Promise<{ tab: Page; problems: string[] }> {
    if (tab === undefined) {
      tab = await context.newPage();
      tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      tab.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      const started = performance.now();
      await tab.goto(`${origin}/`);
      await tab.waitForSelector('#status[data-status="idle"]', { timeout: 15_000 });
      console.info(`test/browser/angular-chat: the app started in ${Math.round(performance.now() - started)} ms`);
    }
    return { tab, problems };
  }

  async function ask(tab: Page, prompt: string): Promise<void> {
    await tab.fill('#prompt', prompt);
    await tab.click('#send');
  }

  it('builds the app with esbuild in a few seconds, one rxjs inside', () => {
    console.info(`test/browser/angular-chat: app bundle ${(app.js.length / 1024).toFixed(0)} KiB, built in ${Math.round(buildMs)} ms`);
    expect(buildMs).toBeLessThan(60_000);
    expect(app.js.split('where a stream was expected')).toHaveLength(2); // rxjs's own message, once: one rxjs
  });

  it('streams the answer through several partial renders, reasoning apart, then done; the interceptor applied', async () => {
    const recorded = loadCase('openai-compatible/deepseek-reasoning').expect;
    const { tab, problems } = await open();
    await ask(tab, 'What is 1 + 1?');
    const seen = new Set<string>();
    for (let i = 0; i < 400 && (await tab.getAttribute('#status', 'data-status')) !== 'done'; i++) {
      const text = (await tab.locator('#reasoning').textContent({ timeout: 100 }).catch(() => '')) ?? '';
      seen.add(text);
      await tab.waitForTimeout(20);
    }
    expect(await tab.getAttribute('#status', 'data-status')).toBe('done');
    expect(seen.size).toBeGreaterThan(5); // the reasoning grew on screen, render by render
    expect(await tab.textContent('#answer')).toBe(recorded.text);
    expect(await tab.textContent('#reasoning')).toBe(recorded.reasoning);
    expect(await tab.textContent('#stats')).toMatch(/^first delta after \d+ ms · \d+ tokens\/s$/);
    expect(await tab.textContent('#turns')).toBe('2 messages in the conversation');
    expect(proxied.at(-1)!.headers['x-app']).toBe('rxllm-angular-example');
    expect(await proxied.at(-1)!.aborted).toBe(false);
    expect(problems).toEqual([]);
    const path = join(dir, 'angular-chat-done.png');
    await tab.screenshot({ path });
    console.info(`test/browser/angular-chat: screenshot at ${path}`);
    // RXLLM_UPDATE_DOCS=1 refreshes the README's picture (the test never writes the repository otherwise)
    if (process.env.RXLLM_UPDATE_DOCS === '1') await tab.screenshot({ path: join(root, 'docs/angular-chat.png'), clip: { x: 0, y: 0, width: VIEWPORT.width, height: 430 } });
  }, 30_000);

  it('Cancel mid-stream closes the connection (the server sees it) and keeps the partial answer', async () => {
    const { tab, problems } = await open();
    await ask(tab, 'Count slowly');
    // mid-stream: this answer's reasoning on screen (not a previous page's), streaming
    await tab.waitForFunction(
      () => document.querySelector('#status')?.getAttribute('data-status') === 'streaming' && (document.querySelector('#reasoning')?.textContent?.length ?? 0) > 40,
      undefined,
      { timeout: 10_000 },
    );
    await tab.click('#cancel');
    await tab.waitForSelector('#status[data-status="cancelled"]', { timeout: 5_000 });
    expect(await proxied.at(-1)!.aborted).toBe(true);
    const partial = await tab.textContent('#reasoning');
    await tab.waitForTimeout(300);
    expect(await tab.textContent('#reasoning')).toBe(partial); // nothing arrives after the cancel
    expect(partial!.length).toBeLessThan(loadCase('openai-compatible/deepseek-reasoning').expect.reasoning.length);
    expect(await tab.isDisabled('#cancel')).toBe(true);
    expect(problems).toEqual([]);
  }, 30_000);

  it('a second prompt while streaming aborts the first request', async () => {
    const { tab, problems } = await open();
    await ask(tab, 'First question');
    await tab.waitForSelector('#status[data-status="streaming"]', { timeout: 10_000 });
    const first = proxied.length - 1;
    const path = join(dir, 'angular-chat-mid-stream.png');
    await tab.screenshot({ path });
    console.info(`test/browser/angular-chat: screenshot at ${path}`);
    await ask(tab, 'Second question');
    expect(await proxied[first]!.aborted).toBe(true);
    expect(proxied.at(-1)!.prompt).toBe('Second question');
    await tab.waitForSelector('#status[data-status="done"]', { timeout: 15_000 });
    expect(await proxied.at(-1)!.aborted).toBe(false);
    expect(problems).toEqual([]);
  }, 30_000);

  it('a connection cut mid-answer shows the error state and keeps the partial text', async () => {
    const { tab, problems } = await open();
    await ask(tab, 'Trigger a fault');
    await tab.waitForSelector('#status[data-status="error"]', { timeout: 15_000 });
    expect(await tab.textContent('#error')).toMatch(/^StreamTruncatedError: /);
    expect((await tab.textContent('#reasoning'))!.length).toBeGreaterThan(0);
    const path = join(dir, 'angular-chat-error.png');
    await tab.screenshot({ path });
    console.info(`test/browser/angular-chat: screenshot at ${path}`);
    expect(problems.filter((p) => !p.includes('ERR_'))).toEqual([]); // Chromium logs the cut connection itself
    await tab.close();
  }, 30_000);
});
