/**
 * `fromSSE` (rxllm/sse) in a real browser, reading `rxllm serve`: Debian's headless Chromium,
 * driven by playwright-core, opens a page on 127.0.0.1 that imports an esbuild bundle of
 * `src/sse/index.ts` + rxjs and streams an answer from `rxllm serve` (the embedded DeepSeek
 * reasoning replay, so reasoning, text and a 4-byte emoji cross the wire) into the DOM, across
 * origins (CORS). One browser launch.
 *
 * Without Chromium (or with RXLLM_SKIP_BROWSER set) it is skipped with one loud line; with
 * CI=true it is required (.ci/run installs Chromium).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserBundle, browserSkip, launchChromium } from '../support/chromium.ts';
import { startServe, type ServeHandle } from '../../src/cli/serve/server.ts';
import { loadCase } from '../support/fixtures.ts';

const skip = browserSkip('test/browser/serve-fromSSE', 'the headless Chromium test of fromSSE');
const VIEWPORT = { width: 800, height: 600 };

/** The page: streams from `rxllm serve` with `fromSSE`, reasoning and answer into two elements. */
function page(serveURL: string, model: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rxllm serve → fromSSE</title>
<style>
  body { font: 15px/1.45 "DejaVu Sans", sans-serif; margin: 24px; background: #fff; color: #111; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  #status { color: #555; margin: 0 0 12px; }
  #reasoning { color: #777; font-style: italic; white-space: pre-wrap; max-height: 180px; overflow: hidden; border-left: 3px solid #ccc; padding-left: 8px; }
  #answer { white-space: pre-wrap; font-size: 18px; margin-top: 16px; }
</style></head>
<body>
<h1>fromSSE ← rxllm serve</h1>
<p id="status">streaming…</p>
<div id="reasoning"></div>
<div id="answer"></div>
<script type="module">
  import { fromSSE } from '/bundle.js';
  const status = document.getElementById('status');
  const reasoning = document.getElementById('reasoning');
  const answer = document.getElementById('answer');
  let deltas = 0;
  const body = JSON.stringify({ model: ${JSON.stringify(model)}, messages: [{ role: 'user', content: 'Hello' }], stream: true });
  fromSSE((signal) => fetch(${JSON.stringify(`${serveURL}/chat/completions`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal }))
    .subscribe({
      next(delta) {
        deltas++;
        if (delta.type === 'reasoning') reasoning.append(delta.text);
        else if (delta.type === 'text') answer.append(delta.text);
      },
      complete() {
        status.textContent = 'done: ' + deltas + ' deltas';
        document.body.dataset.state = 'done';
      },
      error(error) {
        status.textContent = 'error: ' + error.name + ': ' + error.message;
        document.body.dataset.state = 'error';
      },
    });
</script>
</body></html>`;
}

describe.skipIf(skip !== undefined)('fromSSE in headless Chromium, reading rxllm serve', () => {
  let pages: Server;
  let serve: ServeHandle;
  let context: BrowserContext;
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    // rxllm/sse + rxjs as one ESM file for the page; platform 'browser' fails on any Node import
    bundle = await browserBundle("export { fromSSE } from './src/sse/index.ts';\nexport { Observable } from 'rxjs';\n", 'page-entry.ts');

    pages = createServer((req, res) => {
      if (req.url === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(bundle);
      } else if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page(serve.baseURL, serve.model));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    const pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    serve = await startServe({
      provider: 'replay',
      replay: 'deepseek-reasoning',
      speed: 0,
      replayDir: fileURLToPath(new URL('../../replay', import.meta.url)),
      port: 0,
      env: {},
      cors: pageOrigin,
    });

    dir = await mkdtemp(join(tmpdir(), 'rxllm-browser-'));
    context = await launchChromium(dir, { viewport: VIEWPORT });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await serve?.close();
    await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
    if (dir !== undefined) await rm(join(dir, 'profile'), { recursive: true, force: true });
  });

  it('the bundle of rxllm/sse + rxjs has no Node import', () => {
    expect(bundle).toContain('fromSSE');
    expect(bundle).not.toMatch(/\bfrom\s*["']node:|require\(["']node:/);
  });

  it('streams the recorded reasoning and answer into the DOM, and the screenshot shows it', async () => {
    const recorded = loadCase('openai-compatible/deepseek-reasoning').expect;
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    tab.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await tab.goto(`http://127.0.0.1:${(pages.address() as AddressInfo).port}/`);
    await tab.waitForSelector('body[data-state]', { timeout: 15_000 });
    expect({ state: await tab.getAttribute('body', 'data-state'), status: await tab.textContent('#status'), problems }).toEqual({
      state: 'done',
      status: expect.stringMatching(/^done: \d+ deltas$/),
      problems: [],
    });
    expect(await tab.textContent('#answer')).toBe(recorded.text);
    expect(await tab.textContent('#reasoning')).toBe(recorded.reasoning);

    const path = join(dir, 'serve-fromSSE.png');
    await tab.screenshot({ path });
    const png = await readFile(path);
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // PNG signature
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([VIEWPORT.width, VIEWPORT.height]);
    console.info(`test/browser/serve-fromSSE: screenshot at ${path}`);
    await tab.close();
  }, 30_000);
});
