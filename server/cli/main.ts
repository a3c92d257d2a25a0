/**
 * `npm run vigil -- <command>`: the operator CLI. Results go to stdout (a created token alone, so
 * `TOKEN=$(npm run -s vigil -- token create …)` works); messages and logs go to stderr.
 */
import { Command, Option } from 'commander';
import { PERMISSIONS, ROLES, type Permission, type Role } from '../auth/permissions.js';
import { createLinkCode } from '../chat/identities.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { AppError } from '../errors.js';
import { createStreamToken, createUserToken, revokeToken } from '../identity/api-tokens.js';
import { createTenant, listTenants } from '../identity/tenants.js';
import { createUser, listUsers } from '../identity/users.js';
import { inTransaction } from '../service-context.js';
import { addAccountCommands } from './account-commands.js';
import { addAuditCommands } from './audit-verify.js';
import { addDemoCommands } from './demo.js';
import { CliError, operatorContext, operatorUser, parseDuration, withDatabase } from './operator-session.js';
import { addSecretsCommands } from './secrets-rotate.js';
import { addWitnessCommand } from './witness.js';
import { addWitnessServeCommand } from './witness-serve.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => process.stderr.write(`${line}\n`);

function buildProgram(config: () => Config, setExitCode: (code: number) => void): Command {
  const program = new Command('vigil')
    .description('Operate a Vigil installation: migrations, tenants, users and tokens; verify audit exports and proofs; witness a log; rotate the secret key.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('migrate')
    .description('Apply pending database migrations (the server also does this at start).')
    .action(async () => {
      await withDatabase(config(), async () => say('Migrations applied.'));
    });

  const tenant = program.command('tenant').description('Manage tenants (workspaces).');
  tenant
    .command('create')
    .description('Create a tenant; prints its id.')
    .requiredOption('--slug <slug>', 'short name used in tokens and --tenant options')
    .option('--name <name>', 'display name (defaults to the slug)')
    .action(async (options: { slug: string; name?: string }) => {
      await withDatabase(config(), async ({ db }) => {
        const row = await db.transaction((tx) => createTenant(tx, { slug: options.slug, name: options.name ?? options.slug }));
        print(row.id);
      });
    });
  tenant
    .command('list')
    .description('List tenants: id, slug, name.')
    .action(async () => {
      await withDatabase(config(), async ({ db }) => {
        for (const row of await listTenants(db)) print(`${row.id}\t${row.slug}\t${row.name}`);
      });
    });

  const user = program.command('user').description('Manage users.');
  user
    .command('create')
    .description('Create a user; prints their id.')
    .requiredOption('--tenant <slug-or-id>', 'the tenant')
    .requiredOption('--email <email>', 'email, unique in the tenant')
    .option('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).default('user'))
    .option('--group <group...>', 'groups')
    .addOption(new Option('--permission <permission...>', 'permissions to grant').choices([...PERMISSIONS]))
    .action(async (options: { tenant: string; email: string; name?: string; role: Role; group?: string[]; permission?: Permission[] }) => {
      await withDatabase(config(), async (database) => {
        const ctx = await operatorContext(database, options.tenant);
        const row = await inTransaction(ctx, (tx) =>
          createUser(tx, { email: options.email, name: options.name, role: options.role, groups: options.group, permissions: options.permission }),
        );
        print(row.id);
      });
    });
  user
    .command('list')
    .description('List users of a tenant: id, email, role, status.')
    .requiredOption('--tenant <slug-or-id>', 'the tenant')
    .action(async (options: { tenant: string }) => {
      await withDatabase(config(), async (database) => {
        const ctx = await operatorContext(database, options.tenant);
        let after: string | null = null;
        do {
          const page = await listUsers(database.db, ctx.actor.tenantId, {}, { first: 500, after });
          for (const row of page.nodes) print(`${row.id}\t${row.email}\t${row.role}\t${row.disabledAt ? 'disabled' : 'enabled'}`);
          after = page.hasNextPage && page.nodes.length > 0 ? page.cursorAt(page.nodes.length - 1) : null;
        } while (after);
      });
    });

  const token = program.command('token').description('Manage API tokens.');
  token
    .command('create')
    .description('Create a token of a user and print it alone on stdout (it is shown only this once).')
    .requiredOption('--tenant <slug-or-id>', 'the tenant')
    .requiredOption('--email <email>', 'the user the token acts as')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--expires-in <duration>', 'lifetime such as 45m, 12h or 30d (default: no expiry)')
    .addOption(
      new Option('--kind <kind>', 'user: the whole API as the user; stream: only the event stream (GET /events, eventStream), for a SIEM or collector')
        .choices(['user', 'stream'])
        .default('user'),
    )
    .action(async (options: { tenant: string; email: string; name: string; expiresIn?: string; kind: 'user' | 'stream' }) => {
      const lifetime = options.expiresIn ? parseDuration(options.expiresIn) : undefined;
      const create = options.kind === 'stream' ? createStreamToken : createUserToken;
      await withDatabase(config(), async (database) => {
        const ctx = await operatorContext(database, options.tenant);
        const found = await operatorUser(ctx, options.email, options.tenant);
        const expiresAt = lifetime === undefined ? null : new Date(Date.now() + lifetime);
        const created = await inTransaction(ctx, (tx) => create(tx, { userId: found.id, name: options.name, expiresAt }));
        print(created.token);
      });
    });
  token
    .command('revoke')
    .description('Revoke a token by id.')
    .requiredOption('--tenant <slug-or-id>', 'the tenant')
    .requiredOption('--id <token-id>', 'the token id')
    .action(async (options: { tenant: string; id: string }) => {
      await withDatabase(config(), async (database) => {
        const ctx = await operatorContext(database, options.tenant);
        const row = await inTransaction(ctx, (tx) => revokeToken(tx, options.id));
        say(`Revoked token ${row.id} (${row.name}).`);
      });
    });

  const chat = program.command('chat').description('Chat accounts (Slack, Teams).');
  chat
    .command('link-code')
    .description(
      'Make a one-time code (10 minutes) that links a chat account to a user, and print it alone on stdout: the person sends `/audit link CODE` to the bot.',
    )
    .requiredOption('--tenant <slug-or-id>', 'the tenant')
    .requiredOption('--email <email>', 'the user the chat account will act as')
    .action(async (options: { tenant: string; email: string }) => {
      await withDatabase(config(), async (database) => {
        const ctx = await operatorContext(database, options.tenant);
        const found = await operatorUser(ctx, options.email, options.tenant);
        const made = await inTransaction(ctx, (tx) => createLinkCode(tx, found.id));
        print(made.code);
        say(
          `Valid until ${made.expiresAt.toISOString()}: ${options.email} sends it to the bot as /audit link ${made.code} (Slack) or audit link ${made.code} (Teams).`,
        );
      });
    });

  addAccountCommands(program, config);
  addAuditCommands(program, setExitCode);
  addWitnessCommand(program, setExitCode);
  addWitnessServeCommand(program, setExitCode);
  addSecretsCommands(program, config, setExitCode);
  addDemoCommands(program, config);
  return program;
}

async function main(): Promise<number> {
  let config: Config | undefined;
  let exitCode = 0;
  const program = buildProgram(
    () => (config ??= loadConfig(process.env)),
    (code) => {
      exitCode = code;
    },
  );
  try {
    await program.parseAsync(process.argv);
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    if (error instanceof CliError || error instanceof AppError || error instanceof ConfigError || error instanceof DataDirLockedError) {
      say(`vigil: ${error.message}`);
      return 1;
    }
    say(`vigil: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
