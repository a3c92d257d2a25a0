import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { witnessKeyOf } from '../../server/log/cosignature.js';
import { verifierKeyOf } from '../../server/log/signed-note.js';

describe('configuration', () => {
  it('defaults to the embedded database in ./data on port 4000', () => {
    const config = loadConfig({});
    expect(config.database.kind).toBe('pglite');
    expect(config.database.dataDir).toMatch(/\/data$/);
    expect(config.http.port).toBe(4000);
    expect(config.env).toBe('production');
    expect(config.bootstrap).toEqual({ enabled: true, tenantSlug: 'default', adminEmail: 'admin@localhost' });
  });

  it('switches to PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://vigil@db:5432/vigil', VIGIL_DB_POOL_MAX: '20' });
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://vigil@db:5432/vigil', poolMax: 20 });
  });

  it('names every bad variable at once, without echoing secrets', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', VIGIL_JWT_SECRET: 'short-secret', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['PORT', 'DATABASE_URL', 'VIGIL_JWT_SECRET', 'LOG_LEVEL']);
    expect(problems[0]).toContain('"eighty"');
    expect((caught as ConfigError).message).not.toContain('short-secret');
  });

  it('runs the Slack bot over HTTP with a signing secret, over Socket Mode with an app token, and names what is missing', () => {
    expect(loadConfig({}).slack).toBeUndefined();
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).slack?.transport).toEqual({ mode: 'http', signingSecret: 's' });
    // The app token wins: Slack then sends nothing over HTTP.
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).slack?.transport).toEqual({
      mode: 'socket',
      appToken: 'xapp-1',
    });
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_BOT_TOKEN.*SLACK_APP_TOKEN/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/SLACK_BOT_TOKEN/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xoxb-not-an-app-token', SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_APP_TOKEN/);
  });

  it('takes witnesses’ cosigner keys, and refuses a log-signing key or a malformed one among them, naming which', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const witness = witnessKeyOf('witness.example/w1', publicKey);
    expect(loadConfig({ VIGIL_LOG_WITNESS_KEYS: ` ${witness} ` }).audit.witnessKeys).toEqual([witness]);
    expect(loadConfig({}).audit.witnessKeys).toEqual([]);
    let caught: unknown;
    try {
      loadConfig({ VIGIL_LOG_WITNESS_KEYS: `${witness},${verifierKeyOf('vigil', createPublicKey(privateKey))},nonsense` });
    } catch (error) {
      caught = error;
    }
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^VIGIL_LOG_WITNESS_KEYS: key 2 of 3: .*signature type 0x01; only an Ed25519 cosigner key \(0x04\) is supported/);
    expect(problems[1]).toMatch(/^VIGIL_LOG_WITNESS_KEYS: key 3 of 3: /);

    // The witnesses Vigil calls: each by a name whose key is listed, at an http(s) URL.
    expect(loadConfig({ VIGIL_LOG_WITNESS_KEYS: witness, VIGIL_LOG_WITNESS_URLS: 'witness.example/w1=https://w1.example/witness' }).audit.witnessUrls).toEqual([
      { name: 'witness.example/w1', url: 'https://w1.example/witness' },
    ]);
    for (const urls of ['witness.example/w2=https://w2.example', 'witness.example/w1=ftp://w1.example']) {
      expect(() => loadConfig({ VIGIL_LOG_WITNESS_KEYS: witness, VIGIL_LOG_WITNESS_URLS: urls })).toThrow(/VIGIL_LOG_WITNESS_URLS/);
    }
  });

  it('refuses both a JWT secret and a JWKS URL', () => {
    expect(() => loadConfig({ VIGIL_JWT_SECRET: 'x'.repeat(32), VIGIL_JWKS_URL: 'https://idp/jwks' })).toThrow(/VIGIL_JWKS_URL/);
  });

  it('archives the log only with a bucket, and names a bad bucket, prefix or half a credential', () => {
    expect(loadConfig({}).archive).toBeUndefined();
    expect(loadConfig({ VIGIL_ARCHIVE_S3_BUCKET: 'audit-archive', VIGIL_ARCHIVE_S3_PREFIX: '/vigil/prod/', AWS_REGION: 'eu-west-1' }).archive).toEqual({
      bucket: 'audit-archive',
      prefix: 'vigil/prod',
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
      period: 'hour',
      checkIntervalMs: 60_000,
      ocsf: false,
    });
    let caught: unknown;
    try {
      loadConfig({ VIGIL_ARCHIVE_S3_BUCKET: 'No_Such', VIGIL_ARCHIVE_S3_PREFIX: 'a b', VIGIL_ARCHIVE_PERIOD: 'week' });
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual([
      'VIGIL_ARCHIVE_S3_BUCKET',
      'VIGIL_ARCHIVE_S3_PREFIX',
      'VIGIL_ARCHIVE_PERIOD',
    ]);
    expect(() => loadConfig({ VIGIL_ARCHIVE_S3_BUCKET: 'audit-archive', VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: 'AKIA' })).toThrow(
      /VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY/,
    );
  });
});
