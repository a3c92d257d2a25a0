/**
 * A real graphql-ws client for tests: subscribes over WebSocket to a running Vigil and keeps what
 * arrives, with helpers to wait for it (and to prove that nothing arrived).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface Subscriber {
  readonly client: Client;
  /** Every `data` received, across this client's subscriptions, in order. */
  readonly received: Record<string, any>[];
  /** Errors sent for a subscription (e.g. FORBIDDEN at subscribe time). */
  readonly errors: { message: string; extensions?: Record<string, unknown> }[];
  /** Resolves when the socket closes, with its close code. */
  readonly closed: Promise<Closed>;
  /** Starts a subscription; resolves once the server has accepted it (the socket is open). */
  subscribe(query: string, variables?: Record<string, unknown>): Promise<void>;
  /** Waits until `count` messages have arrived (or fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Record<string, any>[]>;
  dispose(): Promise<void>;
}

/**
 * `graphqlUrl` is http(s)://…/graphql; the token goes in connection_init, with `params` (such as an
 * account admin's `workspace`).
 */
export async function connectSubscriber(graphqlUrl: string, token: string, params: Record<string, unknown> = {}): Promise<Subscriber> {
  const received: Record<string, any>[] = [];
  const errors: Subscriber['errors'] = [];
  let onClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}`, ...params },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  await Promise.race([connected, closed]);
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  return {
    client,
    received,
    errors,
    closed,
    async subscribe(query, variables) {
      client.subscribe(
        { query, variables },
        {
          next: (message) => {
            if (message.errors) errors.push(...(message.errors as Subscriber['errors']));
            if (message.data) received.push(message.data as Record<string, any>);
            notify();
          },
          error: (error) => {
            errors.push(...(Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }]));
            notify();
          },
          complete: () => {},
        },
      );
      // A round trip on the same socket: once answered, the subscribe message was handled before it.
      await new Promise<void>((resolve, reject) => {
        client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve });
      });
    },
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(received);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waited ${timeoutMs} ms for ${count} messages, got ${received.length}: ${JSON.stringify(received).slice(0, 500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async dispose() {
      await client.dispose();
    },
  };
}

/** Lets in-flight events arrive before asserting that something did not. */
export function settle(milliseconds = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
