import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real hosts with real worker threads; two cores, so keep it calm.
    maxWorkers: 2,
    // A fork that dies is reported without its file; this names it (test/helpers).
    reporters: ['default', './test/helpers/unfinished-reporter.ts'],
  },
});
