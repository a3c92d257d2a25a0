/**
 * A real local HTTP receiver for webhook and channel tests: records every request (headers and raw
 * body) and answers what the test says (a status, headers, a body), one answer per request or the
 * same for all.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** What to answer next: each call to `answer` queues one; when empty, `always` is used. */
  answer(...answers: Answer[]): void;
  always: Answer;
  close(): Promise<void>;
}

export async function startReceiver(always: Answer = { status: 200, body: 'ok' }): Promise<Receiver> {
  const queued: Answer[] = [];
  const requests: ReceivedRequest[] = [];
  const receiver = { always } as Receiver & { always: Answer };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const answer = queued.shift() ?? receiver.always;
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (...answers: Answer[]) => void queued.push(...answers),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
