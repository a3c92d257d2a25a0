import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The suite runs on the embedded PGlite database, and again on PostgreSQL when TEST_DATABASE_URL
 * is set. Each test file gets a database of its own: a copy of a migrated PGlite snapshot, or a
 * PostgreSQL database cloned from a migrated template, so files run in parallel.
 */
const databases: { name: string; globalSetup: string }[] = [{ name: 'pglite', globalSetup: './test/support/global-setup-pglite.ts' }];
if (process.env.TEST_DATABASE_URL) {
  databases.push({ name: 'postgres', globalSetup: './test/support/global-setup-postgres.ts' });
}

/**
 * Files whose subject does not depend on the database engine run on one engine only when both are
 * there (CI stays within 15 minutes): the reference agent's (they test its processes against a
 * Vigil, whatever it stores in) on PostgreSQL, where Vigil answers faster; and the first start of
 * `npm start` (the README's first hour, the demo's first start), which is the embedded
 * database's, on PGlite.
 */
const agentFiles = readdirSync('test/agent')
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `test/agent/${name}`);
const RUNS_ON_ONE_ENGINE: Record<string, string> = {
  ...Object.fromEntries(agentFiles.map((file) => [file, 'postgres'])),
  'test/agent/first-hour.test.ts': 'pglite',
  'test/demo/demo-process.test.ts': 'pglite',
  // The demo's week goes through the services both engines already test everywhere else; the
  // explorer page and the recording players are the browser's, whatever the database.
  'test/demo/demo-week.test.ts': 'postgres',
  'test/http/explorer-browser.test.ts': 'postgres',
  'test/recordings/playback-page.test.ts': 'postgres',
  'test/recordings/desktop-playback.test.ts': 'postgres',
  // The bots' conversations (signed requests in, a fake Slack or Bot Connector out) and the HTTP
  // fuzzer test what sits above the resolvers; what those write, both engines test elsewhere.
  'test/bots/teams.test.ts': 'postgres',
  'test/bots/slack-approvals.test.ts': 'postgres',
  'test/bots/slack-announce-retry.test.ts': 'postgres',
  'test/bots/teams-announce-retry.test.ts': 'postgres',
  'test/bots/slack-socket-mode.test.ts': 'postgres',
  'test/bots/slack-app-home.test.ts': 'postgres',
  'test/bots/slack-app-home-transports.test.ts': 'postgres',
  'test/bots/slack-extensions.test.ts': 'postgres',
  'test/bots/slack-on-call.test.ts': 'postgres',
  'test/bots/teams-extensions.test.ts': 'postgres',
  'test/bots/teams-dialogs.test.ts': 'postgres',
  'test/bots/bot-locales.test.ts': 'postgres',
  'test/hardening/fuzz.test.ts': 'postgres',
  // Backpressure on WebSockets and the event stream, who may introspect, and more of the bots'
  // conversations: the HTTP and WebSocket layers', whatever the database.
  'test/realtime/slow-consumer.test.ts': 'postgres',
  'test/events/slow-subscriber.test.ts': 'postgres',
  'test/http/introspection.test.ts': 'postgres',
  'test/bots/slack-commands.test.ts': 'postgres',
  'test/bots/approval-links.test.ts': 'postgres',
  // A review reminder's Teams card: the bot's sending, whatever the database.
  'test/reviews/review-reminders-teams.test.ts': 'postgres',
  // What is checked offline, or over HTTP above the resolvers, whatever the database holds: exported
  // files and proofs verified by the CLI, the Merkle tree's properties (no database at all), which
  // keys are trusted (configuration), the witnesses' protocols, a recording's download, the archive's
  // objects, channel messages and review reminders as sent, tokens, TOTP codes and WebSocket expiry,
  // request limits and argument checks, the HTTP surface, the bots' installs and sign-ins, and key
  // rotation and the outbox tags' upgrade (the same statements on both engines).
  'test/export/audit-jsonl-verify.test.ts': 'postgres',
  'test/export/audit-jsonl-after-retention.test.ts': 'postgres',
  'test/log/export-and-proofs.test.ts': 'postgres',
  'test/log/merkle.test.ts': 'postgres',
  'test/log/trusted-keys.test.ts': 'postgres',
  'test/log/witness.test.ts': 'postgres',
  'test/log/cosignatures.test.ts': 'postgres',
  'test/log/tlog-witness.test.ts': 'postgres',
  'test/recordings/reading.test.ts': 'postgres',
  'test/identity/authentication.test.ts': 'postgres',
  'test/identity/stream-tokens.test.ts': 'postgres',
  'test/realtime/token-expiry.test.ts': 'postgres',
  'test/hardening/limits.test.ts': 'postgres',
  'test/hardening/id-arguments.test.ts': 'postgres',
  'test/hardening/dates.test.ts': 'postgres',
  'test/http/explorer.test.ts': 'postgres',
  'test/http/graphql-over-http.test.ts': 'postgres',
  'test/http/request-logging.test.ts': 'postgres',
  'test/http/http-surface.test.ts': 'postgres',
  'test/bots/teams-sso.test.ts': 'postgres',
  'test/bots/workspace-binding.test.ts': 'postgres',
  'test/bots/slack-oauth-install.test.ts': 'postgres',
  'test/secrets/key-rotation.test.ts': 'postgres',
  'test/archive/log-archive.test.ts': 'postgres',
  'test/alerts/channels.test.ts': 'postgres',
  'test/identity/totp.test.ts': 'postgres',
  'test/reviews/review-reminders-chat.test.ts': 'postgres',
  'test/outbound/outbox-tags-upgrade.test.ts': 'postgres',
  // `npm start` as a process, stopped and restarted, and deliveries kept across a restart: the
  // embedded database's data dir is what is at stake (PostgreSQL as a process is faults.test.ts's).
  'test/process/lifecycle.test.ts': 'pglite',
  'test/webhooks/restart.test.ts': 'pglite',
};
const elsewhere = (engine: string) =>
  Object.entries(RUNS_ON_ONE_ENGINE)
    .filter(([, on]) => on !== engine)
    .map(([file]) => file);

const projects: TestProjectInlineConfiguration[] = databases.map(({ name, globalSetup }) => ({
  extends: true,
  test: {
    name,
    globalSetup: [globalSetup],
    env: { VIGIL_TEST_DATABASE: name },
    ...(databases.length > 1 && { exclude: [...configDefaults.exclude, ...elsewhere(name)] }),
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
    // A worker keeps its modules from one test file to the next instead of importing the whole
    // app again for each (about 2.8 s a file, half of CI's time). Every file builds its own Vigil,
    // database and config, so nothing a file depends on is shared module state.
    isolate: false,
    // Vitest's default is one worker fewer than the cores: a single worker on CI's two. Most test
    // time is spent waiting on PostgreSQL, HTTP and timers, so one file per core runs at once.
    maxWorkers: Math.max(2, availableParallelism()),
    projects,
  },
});
