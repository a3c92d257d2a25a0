/**
 * A scripted agent for directive tests: it holds shells open (terminal sessions it reported), holds
 * the `directives` subscription over a real graphql-ws socket with its agent token, and carries out
 * what it is told as a real agent would: a TERMINATE_SESSION for a shell it holds closes the shell
 * and is acknowledged DONE with the time it closed; for one it does not hold, GONE; EXPIRE_SUDO,
 * DONE. Every directive received is kept, with when it arrived.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from './graphql-client.js';

export interface ReceivedDirective {
  readonly id: string;
  readonly kind: string;
  readonly cause: string;
  readonly reason: string | null;
  readonly terminalSessionId: string | null;
  readonly terminalSessionEventId: string | null;
  readonly sudoAuthorizationId: string | null;
  readonly accessSessionId: string | null;
  /** performance.now() when it arrived. */
  readonly arrivedAt: number;
}

export const DIRECTIVES = `subscription { directives { id kind cause reason terminalSessionId terminalSessionEventId sudoAuthorizationId accessSessionId } }`;
const ACKNOWLEDGE = `mutation($input: DirectiveAcknowledgementInput!) { acknowledgeDirective(input: $input) { id outcome acknowledgedAt } }`;

export class ScriptedAgent {
  readonly received: ReceivedDirective[] = [];
  /** Terminal session ids whose shells are open, and when each was closed. */
  readonly shells = new Map<string, { closedAt: Date | null }>();
  readonly acknowledgements: { id: string; outcome: string; errors?: unknown }[] = [];
  private client: Client | undefined;
  private waiters = new Set<() => void>();

  constructor(
    private readonly graphqlUrl: string,
    private readonly agentToken: string,
  ) {}

  holdShell(terminalSessionId: string): void {
    this.shells.set(terminalSessionId, { closedAt: null });
  }

  /** Connects and subscribes; resolves once the server accepted the subscription. */
  async connect(): Promise<void> {
    const client = createClient({
      url: this.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.agentToken}` },
      retryAttempts: 0,
    });
    this.client = client;
    client.subscribe(
      { query: DIRECTIVES },
      {
        next: (message) => {
          const directive = (message.data as { directives?: Omit<ReceivedDirective, 'arrivedAt'> } | undefined)?.directives;
          if (directive) void this.carryOut({ ...directive, arrivedAt: performance.now() });
        },
        error: () => {},
        complete: () => {},
      },
    );
    // A round trip on the same socket: once answered, the subscribe message was handled before it.
    await new Promise<void>((resolve, reject) => client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve }));
  }

  private async carryOut(directive: ReceivedDirective): Promise<void> {
    this.received.push(directive);
    let outcome = 'DONE';
    let endedAt: Date | undefined;
    if (directive.kind === 'TERMINATE_SESSION') {
      const shell = directive.terminalSessionId ? this.shells.get(directive.terminalSessionId) : undefined;
      if (shell && !shell.closedAt) {
        shell.closedAt = new Date();
        endedAt = shell.closedAt;
      } else outcome = 'GONE';
    }
    const response = await graphql(this.graphqlUrl, ACKNOWLEDGE, { token: this.agentToken, variables: { input: { id: directive.id, outcome, endedAt } } });
    this.acknowledgements.push({ id: directive.id, outcome, errors: response.errors });
    for (const waiter of this.waiters) waiter();
  }

  /** Waits until `count` directives were received and acknowledged. */
  waitForAcknowledged(count: number, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.acknowledgements.length < count) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`waited ${timeoutMs} ms for ${count} acknowledged directives, got ${this.acknowledgements.length}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async disconnect(): Promise<void> {
    await this.client?.dispose();
  }
}
