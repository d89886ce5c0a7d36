/**
 * rxllm's error classes keep their names when an app is minified (Angular, esbuild, terser rename
 * classes): `error.name` is fixed per class, so logs and `error.name === 'ProviderError'` checks
 * still work. The check bundles the real sources with esbuild's minifier and runs the bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('error names under minification', () => {
  it('every rxllm error class keeps its name in a minified bundle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxllm-names-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import * as core from ${JSON.stringify(join(process.cwd(), 'src/core/errors.ts'))};
       import { JsonParseError } from ${JSON.stringify(join(process.cwd(), 'src/json/errors.ts'))};
       const made = [
         new core.RxllmError('x'), new core.ProviderError('x', { provider: 'p', retryable: false }),
         new core.StreamTruncatedError('x', { provider: 'p' }), new core.IdleTimeoutError('x', { phase: 'idle', afterMs: 1, deltaCount: 0 }),
         new core.UnsupportedRequestError('x', { provider: 'p', param: 'q' }), new JsonParseError('x', { text: '', offset: 0, truncated: true }),
       ];
       class Mine extends core.RxllmError {}
       console.log(JSON.stringify([...made.map((e) => e.name), new Mine('x').name === Mine.name]));`,
    );
    const out = join(dir, 'bundle.mjs');
    await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'silent' });
    const names = JSON.parse(execFileSync(process.execPath, [out], { encoding: 'utf8' })) as unknown[];
    expect(names).toEqual(['RxllmError', 'ProviderError', 'StreamTruncatedError', 'IdleTimeoutError', 'UnsupportedRequestError', 'JsonParseError', true]);
  });
});
