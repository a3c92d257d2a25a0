/**
 * A consumer of GET /events for tests, reading the NDJSON response line by line as a shipper
 * would, and the tenant's placed leaves read straight from the log, to compare what it got with.
 */
import { sql } from 'drizzle-orm';
import type { TestVigil } from './test-vigil.js';

/** An event line (`position` …) or an endCursor line (`endCursor`, `hasMore`). */
export type EventLine = Record<string, any>;

export interface Consumed {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON body of a refusal (status other than 200). */
  readonly refusal?: { errors: { message: string; extensions: { code: string; field?: string } }[] };
  /** Whether the consumer stopped the response itself (onLine returned false) rather than reading it to its end. */
  readonly wasStopped: boolean;
}

/**
 * GET /events?`query` as the holder of `token`; each complete line goes to `onLine`, in order.
 * When `onLine` returns false, or `stop` is aborted, the consumer dies on the spot: the request is
 * aborted and whatever else was received is dropped unread.
 */
export async function consumeEvents(
  t: TestVigil,
  token: string | undefined,
  query: Record<string, string>,
  onLine: (line: EventLine) => boolean | void,
  timeoutMs = 60_000,
  stop?: AbortSignal,
): Promise<Consumed> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no end of the event stream within ${timeoutMs} ms`)), timeoutMs);
  const stopped = () => abort.abort();
  stop?.addEventListener('abort', stopped);
  try {
    const response = await fetch(`${t.vigil.baseUrl}/events?${new URLSearchParams(query)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: abort.signal,
    });
    if (response.status !== 200) return { status: response.status, headers: response.headers, refusal: await response.json(), wasStopped: false };
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const read = await reader.read().catch((error: unknown) => {
        if (stop?.aborted) return undefined;
        throw error;
      });
      if (!read) return { status: 200, headers: response.headers, wasStopped: true };
      const { value, done } = read;
      if (done) return { status: 200, headers: response.headers, wasStopped: false };
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, end)) as EventLine;
        buffered = buffered.slice(end + 1);
        if (onLine(line) === false) {
          abort.abort();
          await reader.cancel().catch(() => {});
          return { status: 200, headers: response.headers, wasStopped: true };
        }
      }
    }
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', stopped);
  }
}

/** The whole response of a GET /events that ends by itself (no follow), as lines. */
export async function readEvents(
  t: TestVigil,
  token: string | undefined,
  query: Record<string, string> = {},
): Promise<{ status: number; lines: EventLine[]; consumed: Consumed }> {
  const lines: EventLine[] = [];
  const consumed = await consumeEvents(t, token, query, (line) => void lines.push(line));
  return { status: consumed.status, lines, consumed };
}

/** Every placed leaf of the tenant that still has its text (those make events), in log order, with its hex leaf hash. */
export async function placedLeaves(t: TestVigil, tenantId: string): Promise<{ position: number; kind: string; leafHash: string }[]> {
  await t.vigil.log.catchUp(tenantId);
  const result = await t.vigil.database.db.execute(
    sql`select idx, kind, encode(leaf_hash, 'hex') as leaf_hash from log_leaves where tenant_id = ${tenantId} and idx is not null and leaf is not null order by idx`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { idx: string | number; kind: string; leaf_hash: string }[];
  return rows.map((row) => ({ position: Number(row.idx), kind: row.kind, leafHash: row.leaf_hash }));
}
