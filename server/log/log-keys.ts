/**
 * Which keys sign and which are trusted. Trust comes from configuration, never from the
 * database: a key row an intruder adds there vouches for nothing. An instance refuses to start
 * when its own key is not trusted, so it never signs checkpoints no verifier would accept, and
 * when it would silently start a new key over a log another key signed.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { SigningKey } from '../audit/signing-key.js';
import type { LogSigner } from './checkpoints.js';
import { noteSignerFromPrivateKey, parseVerifierKey, verifiedSigners, type NoteVerifier } from './signed-note.js';

export class UntrustedSigningKey extends Error {}

/** The instance's signer, trusting the configured keys (or, with none configured, only itself). */
export async function loadLogSigner(db: Executor, key: SigningKey, instanceName: string, configured: readonly string[]): Promise<LogSigner> {
  const note = noteSignerFromPrivateKey(instanceName, key.privateKey);
  return { instance: instanceName, note, trusted: await trustedVerifiers(db, note.verifierKey, configured) };
}

async function trustedVerifiers(db: Executor, ownKey: string, configured: readonly string[]): Promise<NoteVerifier[]> {
  const own = parseVerifierKey(ownKey);
  if (configured.length > 0) {
    const trusted = configured.map((key) => parseVerifierKey(key));
    if (!trusted.some((key) => key.verifierKey === own.verifierKey)) {
      throw new UntrustedSigningKey(
        `This instance's audit signing key (${own.verifierKey}) is not in VIGIL_AUDIT_TRUSTED_KEYS; Vigil will not sign checkpoints that no verifier trusts. ` +
          'Add it there (keep the old keys listed while their checkpoints matter), or start with a listed key.',
      );
    }
    return trusted;
  }
  const [latest] = await queryRows<{ note: string }>(db, sql`select note from log_checkpoints order by signed_at desc limit 1`);
  if (latest && verifiedSigners(latest.note, [own]).length === 0) {
    throw new UntrustedSigningKey(
      `The log's latest checkpoint was not signed by this instance's key (${own.verifierKey}): the signing key changed or was lost. ` +
        'Restore it (VIGIL_AUDIT_SIGNING_KEY or audit-signing-key.pem in the data dir), or list every key to trust, this one included, in VIGIL_AUDIT_TRUSTED_KEYS.',
    );
  }
  return [own];
}
