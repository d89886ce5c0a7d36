import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'marbles/**/*.marble.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // the JSON report lets .ci/run print a plain "N passed, N failed" closing line
    reporters: ['default', 'json'],
    outputFile: { json: 'node_modules/.cache/rxllm/vitest-results.json' },
  },
});
