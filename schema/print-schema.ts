/**
 * Writes the printed SDL to schema.graphql (`npm run schema:print`). The file is committed so that
 * frontend teams can read the API without running Vigil; a test fails when it drifts.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildVigilSchema } from './build-schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

export async function printVigilSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildVigilSchema()))}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await printVigilSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
