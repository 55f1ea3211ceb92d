import { defineConfig } from 'vitest/config';

// The cluster tests restart PostgreSQL mid-run, so they run after every other
// file has finished (a restart would break another file's PostgreSQL test).
const CLUSTER = 'test/workflow/cluster/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [CLUSTER], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'cluster', include: [CLUSTER], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
