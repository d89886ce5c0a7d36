/**
 * `rxllm serve --cors` for the official `openai` SDK in a real browser: Debian's headless
 * Chromium (playwright-core) opens a page on another 127.0.0.1 origin that imports an esbuild
 * bundle of the SDK and, with `dangerouslyAllowBrowser`, streams an answer, fetches a whole one and
 * lists the models from `rxllm serve` with `--cors <page origin>` and `--api-key`. The SDK sends
 * `authorization` and its `x-stainless-*` headers, so every call is preflighted. The same page
 * against a server without `--cors` is refused by the browser. One browser launch.
 *
 * Chromium missing → the test fails saying how to install it (CI installs it). With
 * RXLLM_SKIP_BROWSER set it is skipped, loudly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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

const skip = browserSkip('test/browser/serve-openai-sdk', 'the headless Chromium test of rxllm serve --cors with the openai SDK');

/** The page: the openai SDK in the browser against `baseURL`; the results go to `window.result`. */
function page(baseURL: string, model: string, apiKey: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>openai SDK → rxllm serve</title></head>
<body><pre id="answer"></pre>
<script type="module">
  import { OpenAI } from '/openai.js';
  const client = new OpenAI({ apiKey: ${JSON.stringify(apiKey)}, baseURL: ${JSON.stringify(baseURL)}, dangerouslyAllowBrowser: true, maxRetries: 0 });
  const answer = document.getElementById('answer');
  const result = {};
  try {
    const stream = await client.chat.completions.create({ model: ${JSON.stringify(model)}, messages: [{ role: 'user', content: 'Hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      answer.textContent = text;
    }
    result.streamed = text;
    const whole = await client.chat.completions.create({ model: ${JSON.stringify(model)}, messages: [{ role: 'user', content: 'Hello' }] });
    result.whole = whole.choices[0].message.content;
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    result.models = models;
  } catch (error) {
    result.error = error.constructor.name + ': ' + error.message;
  }
  window.result = result;
  document.body.dataset.state = 'done';
</script>
</body></html>`;
}

describe.skipIf(skip !== undefined)('the openai SDK in headless Chromium, calling rxllm serve --cors', () => {
  let pages: Server;
  let withCors: ServeHandle;
  let withoutCors: ServeHandle;
  let context: BrowserContext;
  let dir: string;
  let bundle: string;
  let pageOrigin: string;
  const preflights: string[] = [];

  beforeAll(async () => {
    bundle = await browserBundle("export { OpenAI } from 'openai';\n", 'openai-entry.ts');
    pages = createServer((req, res) => {
      if (req.url === '/openai.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(bundle);
      } else if (req.url === '/with-cors' || req.url === '/without-cors') {
        const handle = req.url === '/with-cors' ? withCors : withoutCors;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page(handle.baseURL, handle.model, 'browser-key-1'));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    const common = { provider: 'replay', replay: 'openai-text', speed: 0, replayDir: fileURLToPath(new URL('../../replay', import.meta.url)), port: 0, env: {}, apiKey: 'browser-key-1' } as const;
    withCors = await startServe({ ...common, cors: pageOrigin, accessLog: (line) => (line.method === 'OPTIONS' ? preflights.push(String(line.status)) : undefined) });
    withoutCors = await startServe(common);

    dir = await mkdtemp(join(tmpdir(), 'rxllm-browser-sdk-'));
    context = await launchChromium(dir);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await withCors?.close();
    await withoutCors?.close();
    await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Opens a page and waits for its result. */
  async function run(path: string): Promise<Record<string, unknown>> {
    const tab = await context.newPage();
    await tab.goto(`${pageOrigin}${path}`);
    await tab.waitForSelector('body[data-state="done"]', { state: 'attached', timeout: 15_000 });
    const result = (await tab.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result)) as Record<string, unknown>;
    await tab.close();
    return result;
  }

  it('streams, answers whole and lists models through preflighted calls (authorization, x-stainless-*)', async () => {
    const expected = loadCase('openai-chat/text').expect.text;
    const result = await run('/with-cors');
    expect(result).toEqual({ streamed: expected, whole: expected, models: ['gpt-4o-2024-08-06'] });
    expect(preflights.length).toBeGreaterThan(0);
    expect(new Set(preflights)).toEqual(new Set(['204']));
  }, 30_000);

  it('without --cors the browser refuses the same calls (the SDK sees a connection error)', async () => {
    const result = await run('/without-cors');
    expect(result.streamed).toBeUndefined();
    expect(String(result.error)).toMatch(/APIConnectionError/);
  }, 30_000);
});
