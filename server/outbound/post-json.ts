/**
 * One outbound POST: through the outbound policy (checked for the URL and for every address its
 * name resolves to), within a time limit, keeping at most a few KB of the answer. Failures to
 * connect, refusals and time-outs come back as results, never as exceptions.
 */
import http from 'node:http';
import https from 'node:https';
import { OutboundRefused, type OutboundPolicy } from './outbound-policy.js';

/** What is kept of a receiver's answer. */
export const RESPONSE_BODY_LIMIT = 4096;

export interface PostResult {
  /** The HTTP status, or null when no answer came (refused, unreachable, timed out). */
  readonly status: number | null;
  readonly body: string;
  readonly error: string | null;
  /** Seconds the receiver asked to wait (Retry-After), when it did. */
  readonly retryAfterSeconds: number | null;
  readonly durationMs: number;
}

function retryAfterOf(value: string | string[] | undefined, now: number): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - now) / 1000));
}

export function postJson(policy: OutboundPolicy, rawUrl: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const started = Date.now();
  const done = (result: Omit<PostResult, 'durationMs'>): PostResult => ({ ...result, durationMs: Date.now() - started });
  let url: URL;
  try {
    url = policy.checkUrl(rawUrl);
  } catch (error) {
    return Promise.resolve(done({ status: null, body: '', error: `refused: ${(error as Error).message}`, retryAfterSeconds: null }));
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Vigil-Webhooks/1', ...headers },
        lookup: policy.lookup,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < RESPONSE_BODY_LIMIT) {
            chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - kept));
            kept += Math.min(chunk.length, RESPONSE_BODY_LIMIT - kept);
          }
        });
        response.on('end', () =>
          resolve(
            done({
              status: response.statusCode ?? null,
              body: Buffer.concat(chunks).toString('utf8'),
              error: null,
              retryAfterSeconds: retryAfterOf(response.headers['retry-after'], Date.now()),
            }),
          ),
        );
        response.on('error', (error) => resolve(done({ status: response.statusCode ?? null, body: '', error: error.message, retryAfterSeconds: null })));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The socket timeout only notices silence; a receiver trickling its answer meets this deadline.
    const deadline = setTimeout(() => request.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs).unref();
    request.on('close', () => clearTimeout(deadline));
    request.on('error', (error) => {
      const reason =
        error instanceof OutboundRefused || (error as { cause?: unknown }).cause instanceof OutboundRefused ? `refused: ${error.message}` : error.message;
      resolve(done({ status: null, body: '', error: reason, retryAfterSeconds: null }));
    });
    request.end(body);
  });
}
