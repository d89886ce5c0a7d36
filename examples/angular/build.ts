/**
 * Builds the example with esbuild (no Angular CLI): one ESM bundle of the app, Angular (JIT) and
 * rxjs, plus index.html. `node build.ts` writes dist/; tests call `buildApp()` and serve the result.
 * With `rxllmEntry` the `rxllm/angular` import resolves to the library source (the repository's
 * tests); without it, to the installed package (the packed copy in package.json).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface BuiltApp {
  readonly js: string;
  html(config: { readonly url: string; readonly model: string }): string;
}

export async function buildApp(options: { readonly rxllmEntry?: string; readonly nodePaths?: readonly string[] } = {}): Promise<BuiltApp> {
  const result = await build({
    entryPoints: [`${here}src/main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    keepNames: true, // error classes keep their names (`error.name` is the class name)
    write: false,
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
    alias: options.rxllmEntry === undefined ? {} : { 'rxllm/angular': options.rxllmEntry },
    nodePaths: options.nodePaths ? [...options.nodePaths] : [],
    conditions: ['es2022', 'browser', 'module', 'import'],
  });
  const js = result.outputFiles![0]!.text;
  return {
    js,
    html: ({ url, model }) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rxllm/angular chat</title><link rel="icon" href="data:,">
<meta name="rxllm-url" content="${url}"><meta name="rxllm-model" content="${model}">
</head><body><chat-page></chat-page><script type="module" src="/main.js"></script></body></html>
`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const started = performance.now();
  const app = await buildApp();
  await mkdir(`${here}dist`, { recursive: true });
  await writeFile(`${here}dist/main.js`, app.js);
  await writeFile(`${here}dist/index.html`, app.html({ url: 'http://127.0.0.1:8080/v1/chat/completions', model: process.env.RXLLM_MODEL ?? 'gpt-4o-2024-08-06' }));
  console.log(`dist/main.js ${(app.js.length / 1024).toFixed(0)} KiB in ${Math.round(performance.now() - started)} ms`);
}
