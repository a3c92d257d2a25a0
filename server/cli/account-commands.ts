/**
 * `vigil account …`: organisations above workspaces. Only the operator puts a workspace in an
 * account or takes it out (the API cannot), and may name the first account admins; after that the
 * account admins grant and revoke each other through the API.
 */
import type { Command } from 'commander';
import { grantAccountAdmin, revokeAccountAdmin, accountAdminEmails } from '../accounts/account-admins.js';
import { joinAccount, leaveAccount } from '../accounts/account-workspaces.js';
import { accountWorkspaces, createAccount, listAccounts, operatorIn, type AccountDeps } from '../accounts/accounts.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { withDatabase } from './operator-session.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => process.stderr.write(`${line}\n`);

export function addAccountCommands(program: Command, config: () => Config): void {
  const account = program.command('account').description('Manage accounts (organisations holding several workspaces) and their admins.');
  const depsOf = (db: Database): AccountDeps => ({
    db,
    clock: systemClock,
    request: { requestId: `cli:${process.pid}` },
  });
  account
    .command('create')
    .description('Create an account; prints its id.')
    .requiredOption('--slug <slug>', 'short name')
    .option('--name <name>', 'display name (defaults to the slug)')
    .action(async (options: { slug: string; name?: string }) => {
      await withDatabase(config(), async ({ db }) => print((await createAccount(db, { slug: options.slug, name: options.name ?? options.slug })).id));
    });
  account
    .command('list')
    .description('List accounts: id, slug, name, workspaces, admins.')
    .action(async () => {
      await withDatabase(config(), async ({ db }) => {
        for (const row of await listAccounts(db)) {
          const workspaces = (await accountWorkspaces(db, row.id)).map((workspace) => workspace.slug);
          print(`${row.id}\t${row.slug}\t${row.name}\t${workspaces.join(',')}\t${(await accountAdminEmails(db, row.id)).join(',')}`);
        }
      });
    });
  account
    .command('join')
    .description("Put a workspace in an account: the account's admins become its admins.")
    .requiredOption('--account <slug-or-id>', 'the account')
    .requiredOption('--tenant <slug-or-id>', 'the workspace')
    .action(async (options: { account: string; tenant: string }) => {
      await withDatabase(config(), async ({ db }) => {
        const joined = await joinAccount(depsOf(db), options.account, options.tenant, operatorIn('cli'));
        say(`Workspace ${joined.slug} is in account ${options.account}.`);
      });
    });
  account
    .command('leave')
    .description("Take a workspace out of its account: the account's admins stop being its admins at once.")
    .requiredOption('--tenant <slug-or-id>', 'the workspace')
    .action(async (options: { tenant: string }) => {
      await withDatabase(config(), async ({ db }) => {
        const left = await leaveAccount(depsOf(db), options.tenant, operatorIn('cli'));
        say(`Workspace ${left.slug} is in no account.`);
      });
    });
  account
    .command('grant-admin')
    .description('Make a person (by email) an admin of every workspace of the account.')
    .requiredOption('--account <slug-or-id>', 'the account')
    .requiredOption('--email <email>', 'the person')
    .action(async (options: { account: string; email: string }) => {
      await withDatabase(config(), async ({ db }) => {
        const workspaces = await grantAccountAdmin(depsOf(db), options.account, options.email, operatorIn('cli'));
        say(`${options.email} is an admin of ${workspaces.join(', ')}.`);
      });
    });
  account
    .command('revoke-admin')
    .description("End a person's account admin role in every workspace of the account.")
    .requiredOption('--account <slug-or-id>', 'the account')
    .requiredOption('--email <email>', 'the person')
    .action(async (options: { account: string; email: string }) => {
      await withDatabase(config(), async ({ db }) => {
        const workspaces = await revokeAccountAdmin(depsOf(db), options.account, options.email, operatorIn('cli'));
        say(`${options.email} is no longer an account admin in ${workspaces.join(', ')}.`);
      });
    });
}
