import { availableParallelism } from 'node:os';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The suite runs on the embedded PGlite database, and again on PostgreSQL when TEST_DATABASE_URL
 * is set. Each test file gets a database of its own: a copy of a migrated PGlite snapshot, or a
 * PostgreSQL database cloned from a migrated template, so files run in parallel.
 */
const databases: { name: string; globalSetup: string }[] = [{ name: 'pglite', globalSetup: './test/support/global-setup-pglite.ts' }];
if (process.env.TEST_DATABASE_URL) {
  databases.push({ name: 'postgres', globalSetup: './test/support/global-setup-postgres.ts' });
}

const projects: TestProjectInlineConfiguration[] = databases.map(({ name, globalSetup }) => ({
  extends: true,
  test: {
    name,
    globalSetup: [globalSetup],
    env: { VIGIL_TEST_DATABASE: name },
  },
}));

export default defineConfig({
  resolve: {
    // type-graphql and Apollo must share one copy of graphql (see ../shared/STACK.md).
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on CI's two. Most test
    // time is spent waiting on PostgreSQL, HTTP and timers, so one file per core runs at once.
    maxWorkers: Math.max(2, availableParallelism()),
    projects,
  },
});
