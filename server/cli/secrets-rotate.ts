/**
 * `vigil secrets rotate`: seals every stored secret again under VIGIL_SECRET_KEY, opening the old
 * ones with VIGIL_SECRET_KEY_PREVIOUS (server/secrets/reseal.ts). Progress goes to stderr as it
 * happens; the result, a line per table as it is done and one per value that could not be
 * opened, to stdout.
 * Queued outbox messages are tagged again under the current key (server/outbound/delivery-tags.ts).
 * Exit 0 when everything is under the current key, 1 when some value could not be opened.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { retagUnderCurrentKey } from '../outbound/delivery-tags.js';
import { resealAll, type ResealProgress } from '../secrets/reseal.js';
import { loadSecretBox } from '../secrets/secret-box.js';
import { CliError, withDatabase } from './operator-session.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => process.stderr.write(`${line}\n`);

export function addSecretsCommands(program: Command, config: () => Config, setExitCode: (code: number) => void): void {
  const secrets = program.command('secrets').description('Work with the secrets Vigil keeps sealed at rest.');
  secrets
    .command('rotate')
    .description(
      'Seal every stored secret again under VIGIL_SECRET_KEY, opening older ones with VIGIL_SECRET_KEY_PREVIOUS. Safe while Vigil runs; exit 1 when some value could not be opened.',
    )
    .action(async () => {
      setExitCode(await rotateSecrets(config()));
    });
}

async function rotateSecrets(config: Config): Promise<number> {
  // Without it the CLI would use (or even generate) a key file of its own: nothing to rotate to.
  if (!config.secretKey) throw new CliError('Set VIGIL_SECRET_KEY to the new key, and VIGIL_SECRET_KEY_PREVIOUS to the key(s) it replaces');
  const box = loadSecretBox(config.secretKey, config.previousSecretKeys, config.database.dataDir);
  if (config.previousSecretKeys.length === 0) say('No VIGIL_SECRET_KEY_PREVIOUS: values sealed under another key cannot be opened and will be reported.');
  say(`Resealing stored secrets under key ${box.keyId}…`);
  const { report, outbox } = await withDatabase(config, async ({ db }) => ({
    report: await resealAll(db, box, showProgress),
    // Messages still to send carry tags under the old key: tagged again, or they would be refused once it is gone.
    outbox: await retagUnderCurrentKey(db, box),
  }));
  print(`outbox: ${outbox.retagged} tagged again${outbox.untrusted > 0 ? `, ${outbox.untrusted} whose tag no key confirms (they will be refused)` : ''}`);

  const failures = report.tables.flatMap((table) => table.failures);
  for (const failure of failures) {
    print(`  ${failure.table} tenant_id=${failure.tenantId} ${failure.keyColumn}=${failure.key} ${failure.column}: ${failure.reason}`);
  }
  if (failures.length > 0) {
    say(
      `vigil: ${failures.length} ${failures.length === 1 ? 'value' : 'values'} could not be opened with VIGIL_SECRET_KEY or VIGIL_SECRET_KEY_PREVIOUS and ${failures.length === 1 ? 'was' : 'were'} left as ${failures.length === 1 ? 'it was' : 'they were'}.`,
    );
    return 1;
  }
  say(`Every stored secret is sealed under key ${box.keyId}: VIGIL_SECRET_KEY_PREVIOUS can be removed once every instance runs with this key.`);
  return 0;
}

/** A line per batch on stderr while a table is walked; its result on stdout when it is done. */
function showProgress(progress: ResealProgress): void {
  const counts = `${progress.table}: ${progress.resealed} resealed, ${progress.failed} could not be opened`;
  if (progress.isDone) print(counts);
  else say(`${counts} so far…`);
}
