import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'marbles/**/*.marble.ts'],
    // marble specs: each draws docs/marbles/<operator>.svg, and fails when the committed one is stale
    setupFiles: ['test/support/marble-docs-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // the JSON report lets .ci/run print a plain "N passed, N failed" closing line
    reporters: ['default', 'json'],
    outputFile: { json: 'node_modules/.cache/rxllm/vitest-results.json' },
  },
});
