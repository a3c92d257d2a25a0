/**
 * Where the archive's objects go: an S3-compatible bucket, written with the AWS SDK v3. The SDK
 * is loaded only when an archive is configured, so an instance without one never pays for it.
 */
import type { Readable } from 'node:stream';
import type { ArchiveConfig } from '../config.js';

export interface ObjectStore {
  /** Writes `body` under `key` (a multipart upload when large); a key written again is replaced. */
  put(key: string, body: Readable, options: { contentType: string; metadata: Record<string, string> }): Promise<void>;
  /** `s3://bucket` and the endpoint when not AWS: for logs. */
  readonly description: string;
  close(): void;
}

export async function createS3ObjectStore(config: ArchiveConfig): Promise<ObjectStore> {
  const [{ S3Client }, { Upload }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    // Checksums only where S3 requires them: S3-compatible stores that do not know the newer
    // flexible checksums (and their aws-chunked bodies) would otherwise store the framing too.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    description: `s3://${config.bucket}${config.endpoint ? ` at ${config.endpoint}` : ''}`,
    async put(key, body, options) {
      await new Upload({
        client,
        params: { Bucket: config.bucket, Key: key, Body: body, ContentType: options.contentType, Metadata: options.metadata },
      }).done();
    },
    close: () => client.destroy(),
  };
}
