/**
 * Streaming an export in constant memory: rows are read a page at a time, only when the client
 * has taken the previous ones (the socket buffer drained), and reading stops when the client
 * goes away.
 */
import type { ServerResponse } from 'node:http';
import type { Page, PageArgs } from '../pagination/keyset.js';

/** A Relay list's pages, newest first, each fetched only when the reader asks for it. */
export async function* listPages<Row>(list: (args: PageArgs) => Promise<Page<Row>>, size: number): AsyncGenerator<Row[]> {
  let after: string | null = null;
  do {
    const page: Page<Row> = await list({ first: size, after });
    if (page.nodes.length > 0) yield page.nodes;
    after = page.hasNextPage && page.nodes.length > 0 ? page.cursorAt(page.nodes.length - 1) : null;
  } while (after);
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Many parts (strings, or bytes already encoded: utf8-slabs.ts) written as one: corked, Node sends
 * them in one HTTP chunk and encodes the strings to UTF-8 in one pass; joining strings here first
 * (each a rope of its parts) cost several times that.
 */
function writeAll(res: ServerResponse, parts: readonly (string | Uint8Array)[]): boolean {
  if (parts.length === 0) return true;
  res.cork();
  let hasRoom = true;
  for (const part of parts) hasRoom = res.write(part);
  res.uncork();
  return hasRoom;
}

/**
 * Writes `chunks` as they come (a list of strings as one) and ends the response. Whenever the
 * socket's buffer is full it waits for 'drain' before pulling the next chunk (and so before reading
 * the next page). Returns false, without reading further, when the client disconnected first. An
 * error of `chunks` is thrown to the caller with the response left open: the caller decides how
 * it ends.
 */
export async function writeChunks(res: ServerResponse, chunks: AsyncIterable<string | Uint8Array | readonly (string | Uint8Array)[]>): Promise<boolean> {
  let isClosed = res.destroyed;
  const onClose = () => {
    isClosed = true;
  };
  res.on('close', onClose);
  try {
    for await (const chunk of chunks) {
      if (isClosed) return false;
      if (!(typeof chunk === 'string' || chunk instanceof Uint8Array ? res.write(chunk) : writeAll(res, chunk))) await drainedOrClosed(res);
      if (isClosed) return false;
    }
    res.end();
    return true;
  } finally {
    res.off('close', onClose);
  }
}
