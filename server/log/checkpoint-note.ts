/**
 * The C2SP tlog-checkpoint body: the origin line, the tree size in decimal, the root hash in
 * base64, then extension lines, each ending in a newline.
 */
export interface CheckpointBody {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
}

export function formatCheckpointBody(body: CheckpointBody): string {
  if (body.origin === '' || /\n/.test(body.origin)) throw new Error('A checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(body.size) || body.size < 0) throw new Error('A checkpoint size is a whole number');
  if (body.rootHash.length !== 32) throw new Error('A checkpoint root is 32 bytes');
  if (body.extensions.some((line) => line === '' || line.includes('\n'))) throw new Error('Checkpoint extension lines are non-empty single lines');
  return [body.origin, String(body.size), body.rootHash.toString('base64'), ...body.extensions].map((line) => `${line}\n`).join('');
}

export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith('\n')) throw new Error('A checkpoint ends in a newline');
  const [origin, size, root, ...extensions] = text.slice(0, -1).split('\n');
  if (!origin) throw new Error('A checkpoint starts with its origin line');
  if (!size || !/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error(`"${size}" is not a tree size`);
  const rootHash = Buffer.from(root ?? '', 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error(`"${root}" is not a base64 32-byte root hash`);
  if (extensions.some((line) => line === '')) throw new Error('A checkpoint holds no blank lines');
  return { origin, size: Number(size), rootHash, extensions };
}
