import { defineConfig } from 'vitest/config';

// GPU tests share one Dawn device per worker; run files in a few forks so a crash in the
// native layer cannot take the whole run down, and keep timeouts generous for software GPUs.
// Browser tests (headless Chromium) run after the Node tests, on their own: they measure
// main-thread responsiveness, which two cores shared with Node GPU tests would distort.
const shared = {
  environment: 'node' as const,
  testTimeout: 240_000,
  hookTimeout: 240_000,
  pool: 'forks' as const,
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      // Node files share their worker's process (and its Dawn device) instead of a fresh fork
      // each: module import and device start-up were a fifth of the suite's time.
      { test: { ...shared, name: 'node', isolate: false, include: ['test/**/*.test.ts'], exclude: ['test/**/*.browser.test.ts', 'test/browser.test.ts'], sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'browser', include: ['test/**/*.browser.test.ts', 'test/browser.test.ts'], maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
