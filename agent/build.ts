/**
 * `npm run agent:build`: the agent as one file, dist/vigil-agent.mjs, that a server runs with
 * Node.js alone (`install -m 755 dist/vigil-agent.mjs /usr/local/bin/vigil-agent`): its
 * dependencies bundled in, nothing to install there.
 */
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const AGENT_BUNDLE = path.join(root, 'dist', 'vigil-agent.mjs');

export async function buildAgent(outfile = AGENT_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(root, 'agent', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    legalComments: 'inline',
    // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __vigilRequire } from 'node:module'; const require = __vigilRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stderr.write(`Built ${path.relative(process.cwd(), await buildAgent())}\n`);
}
