/**
 * A real S3-protocol server (s3rver: signature V4 checked, multipart uploads, files on disk) on a
 * random local port, for the archive's tests, and a plain AWS SDK client to read what landed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** Vigil's configuration for an archive in this bucket under `prefix`. */
  env(prefix: string): Record<string, string>;
  /** Every key in the bucket, sorted. */
  keys(prefix?: string): Promise<string[]>;
  /** An object's bytes as stored. */
  get(key: string): Promise<Buffer>;
  /** An object's user metadata (x-amz-meta-*), by name without the prefix. */
  metadata(key: string): Promise<Record<string, string>>;
  /** A gzipped object's text. */
  text(key: string): Promise<string>;
  close(): Promise<void>;
}

// s3rver accepts these credentials only, and checks every request's signature with them.
const ACCESS_KEY = 'S3RVER';

export async function startTestS3(bucket = 'vigil-archive'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'vigil-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const get = async (key: string) => {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await response.Body!.transformToByteArray());
  };
  return {
    endpoint,
    bucket,
    env: (prefix) => ({
      VIGIL_ARCHIVE_S3_BUCKET: bucket,
      VIGIL_ARCHIVE_S3_PREFIX: prefix,
      VIGIL_ARCHIVE_S3_ENDPOINT: endpoint,
      VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: ACCESS_KEY,
      VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: ACCESS_KEY,
    }),
    async keys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    get,
    async metadata(key) {
      return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
    },
    text: async (key) => gunzipSync(await get(key)).toString('utf8'),
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
