import { defineConfig } from 'vitest/config';

// GPU tests share one Dawn device per worker; run files in a few forks so a crash in the
// native layer cannot take the whole run down, and keep timeouts generous for software GPUs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
