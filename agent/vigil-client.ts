/**
 * The agent's calls to Vigil: GraphQL over HTTP with the server's agent token, and recording chunks
 * over PUT. Failures are sorted by what the agent should do next: try again later (Vigil down or
 * busy), or fix the request (Vigil refused it, naming the field).
 */

export interface GraphQLFailure {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly field?: string } & Record<string, unknown>;
}

/** Vigil could not be reached or answered 5xx/429: nothing was written, try again later. */
export class VigilUnavailable extends Error {}

/** Vigil refused the request (a GraphQL error): sending it again unchanged cannot help. */
export class VigilRefused extends Error {
  constructor(readonly errors: readonly GraphQLFailure[]) {
    super(errors.map((error) => error.message).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
  get field(): string | undefined {
    return this.errors[0]?.extensions?.field;
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

export class VigilClient {
  constructor(
    private readonly baseUrl: URL,
    private readonly token: string,
  ) {}

  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.send(new URL('/graphql', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json().catch(() => undefined)) as { data?: T; errors?: GraphQLFailure[] } | undefined;
    if (!body) throw new VigilUnavailable(`Vigil answered ${response.status} without a GraphQL body`);
    if (body.errors?.length) throw new VigilRefused(body.errors);
    if (!response.ok || body.data === undefined) throw new VigilUnavailable(`Vigil answered ${response.status}`);
    return body.data;
  }

  /** A PUT of raw bytes; the status and the JSON body, whatever they are, for the caller to read. */
  async put(pathAndQuery: string, body: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await this.send(new URL(pathAndQuery, this.baseUrl), {
      method: 'PUT',
      headers: { 'content-type': 'application/x-asciicast' },
      body: body as unknown as BodyInit,
    });
    return { status: response.status, body: ((await response.json().catch(() => ({}))) ?? {}) as Record<string, unknown> };
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new VigilUnavailable(`cannot reach Vigil at ${url.origin}: ${(error as Error).message}`);
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new VigilUnavailable(`Vigil answered ${response.status}`);
    }
    return response;
  }
}

/** Exponential backoff with full jitter: 0.5 s, 1 s, 2 s … up to a minute between tries. */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(60_000, 500 * 2 ** Math.min(attempt, 7));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
