import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printVigilSchema, SCHEMA_FILE } from '../../schema/print-schema.js';

describe('schema.graphql', () => {
  it('matches the schema Vigil builds (run `npm run schema:print` after changing the API)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(await printVigilSchema()).toBe(committed);
  });
});
