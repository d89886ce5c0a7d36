import { defineConfig } from 'tsup';

// One entry per subpath export (package.json "exports"); the CLI is an extra entry, ESM only.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'providers/openai/index': 'src/providers/openai/index.ts',
      'providers/anthropic/index': 'src/providers/anthropic/index.ts',
      'providers/google/index': 'src/providers/google/index.ts',
      'providers/bedrock/index': 'src/providers/bedrock/index.ts',
      'providers/llama-cpp/index': 'src/providers/llama-cpp/index.ts',
      'sse/index': 'src/sse/index.ts',
      'node/index': 'src/node/index.ts',
      'testing/index': 'src/testing/index.ts',
      'testing/server': 'src/testing/server.ts',
      'gateway/index': 'src/gateway/index.ts',
      'internal/index': 'src/internal/index.ts',
      'resumable/index': 'src/resumable/index.ts',
      'angular/index': 'src/angular/index.ts',
      'ag-ui/index': 'src/ag-ui/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node22',
    sourcemap: false,
    splitting: true,
    treeshake: true,
  },
  {
    // the CLI's lazily loaded provider chunks stay in dist/cli, apart from the library's
    entry: { main: 'src/cli/main.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    dts: false,
    clean: false,
    target: 'node22',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
