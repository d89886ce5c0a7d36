/**
 * Debian's Chromium for the browser tests: whether to run them, one launch with the flags this
 * machine needs (no sandbox as root, no background networking on a closed network), and the
 * page's ES module bundle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Why `file`'s browser tests are skipped, or `undefined` to run them: skipped (with one loud line)
 * without Chromium or with `RXLLM_SKIP_BROWSER`; required when `CI=true`.
 */
export function browserSkip(file: string, what: string): string | undefined {
  const why =
    process.env.CI === 'true'
      ? undefined
      : process.env.RXLLM_SKIP_BROWSER
        ? `RXLLM_SKIP_BROWSER=${process.env.RXLLM_SKIP_BROWSER} is set; unset it to run the test`
        : existsSync(CHROMIUM)
          ? undefined
          : `no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\` to run the test (required with CI=true)`;
  if (why !== undefined) console.warn(`\n*** ${file}: SKIPPED ${what}: ${why}. ***\n`);
  return why;
}

/**
 * Launches headless Chromium with a fresh profile in `dir`.
 * @throws Error naming the install command when Chromium is missing (tests only get here when required).
 */
export function launchChromium(dir: string, options: { readonly viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this on CI); ` +
        'with CI=true the browser tests are required (without CI they are skipped when Chromium is missing).',
    );
  }
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    ...(options.viewport === undefined ? {} : { viewport: options.viewport, deviceScaleFactor: 1 }),
    args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * `contents` (an ES module, imports resolved from the repository's root) bundled by esbuild as one
 * ES module for a page: platform 'browser', so any Node import fails the build.
 */
export async function browserBundle(contents: string, sourcefile: string): Promise<string> {
  const built = await build({
    stdin: { contents, resolveDir: join(import.meta.dirname, '../..'), loader: 'ts', sourcefile },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return built.outputFiles[0]!.text;
}
