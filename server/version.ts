/** Vigil's own version, as package.json gives it (OCSF's metadata.product.version, say). */
import { createRequire } from 'node:module';

export const VIGIL_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
