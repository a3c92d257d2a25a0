/**
 * The explorer's script and stylesheet, bundled by esbuild from the installed npm packages
 * (graphiql, @graphiql/toolkit, graphql-ws, react) and browser/explorer.js: everything the page
 * loads comes from Vigil itself, with no CDN and no build step at install.
 *
 * The bundle is made in memory the first time the explorer is asked for (a second or two, once per
 * process) and kept: it depends only on the installed packages. A failed build is not kept, so the
 * next request tries again. File names carry a hash of their content, so a browser may cache them
 * for good and an upgrade is never served stale.
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface ExplorerAsset {
  readonly contents: Buffer;
  readonly type: string;
}

export interface ExplorerBundle {
  /** The hashed names of the page's script and stylesheet. */
  readonly script: string;
  readonly stylesheet: string;
  /** Every output file by name: the script, the stylesheet and the bundled packages' licences. */
  readonly assets: ReadonlyMap<string, ExplorerAsset>;
}

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'browser', 'explorer.js');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

let bundling: Promise<ExplorerBundle> | undefined;

export function explorerBundle(): Promise<ExplorerBundle> {
  bundling ??= bundleExplorer().catch((error: unknown) => {
    bundling = undefined;
    throw error;
  });
  return bundling;
}

async function bundleExplorer(): Promise<ExplorerBundle> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: '/explorer',
    entryNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    // Licences of the bundled packages, in a file of their own beside the script.
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const assets = new Map<string, ExplorerAsset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const extension = name.slice(name.lastIndexOf('.'));
    const contents = Buffer.from(file.contents.buffer, file.contents.byteOffset, file.contents.byteLength);
    assets.set(name, { contents, type: TYPES[extension] ?? 'application/octet-stream' });
  }
  const named = (extension: string) => {
    const name = [...assets.keys()].find((key) => key.endsWith(extension));
    if (!name) throw new Error(`The explorer bundle has no ${extension} file`);
    return name;
  };
  return { script: named('.js'), stylesheet: named('.css'), assets };
}
