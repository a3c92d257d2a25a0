/**
 * The reference agent's delivery: from a command line written into a shell's spool (what the hook
 * does) to a commandChanged subscriber receiving it, through the agent's daemon in its own process
 * (default 200 ms poll). Baseline, in the same run: the same command posted to ingestEvents
 * directly, to the same subscriber. The first hour's promise is "within a second".
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startBenchVigil } from './support/bench-vigil.js';
import { createBenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, compareToTarget, printFigure, type Comparison, type Figure } from './support/report.js';

const AGENT = fileURLToPath(new URL('../agent/main.ts', import.meta.url));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

export async function benchAgentDelivery(options: BenchOptions): Promise<{ comparisons: Comparison[]; figures: Figure[]; notes: string[] }> {
  const rounds = size(options, 15, 60);
  const bench = await startBenchVigil(options);
  const spool = await mkdtemp(path.join(os.tmpdir(), 'vigil-delivery-bench-'));
  const tenant = await createBenchTenant(bench.vigil, 'delivery', 1, 1);
  const waiting = new Map<string, (at: number) => void>();
  const client = createClient({
    url: bench.vigil.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${tenant.adminToken}` },
  });
  const unsubscribe = client.subscribe<{ commandChanged: { command: { line: string } } }>(
    { query: 'subscription { commandChanged { command { line } } }' },
    { next: (message) => waiting.get(message.data?.commandChanged.command.line ?? '')?.(performance.now()), error: () => {}, complete: () => {} },
  );
  const arrival = (line: string) => new Promise<number>((resolve) => waiting.set(line, resolve));
  await sleep(500);
  const daemon = spawn(process.execPath, ['--import', 'tsx', AGENT, 'run'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: spool,
      VIGIL_URL: bench.vigil.baseUrl,
      VIGIL_AGENT_TOKEN: tenant.agentTokens[0]!,
      VIGIL_AGENT_SPOOL: spool,
      VIGIL_AGENT_ENV_FILE: '/nonexistent',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    const file = path.join(spool, `shell-${process.pid}-${Date.now() * 1000}.tsv`);
    await appendFile(file, `S\t${(Date.now() / 1000).toFixed(6)}\troot\t\t\tbash\n`);
    const viaAgent: number[] = [];
    const direct: number[] = [];
    for (let round = -2; round < rounds; round++) {
      const agentLine = `agent round ${round}`;
      const agentArrival = arrival(agentLine);
      const written = performance.now();
      await appendFile(file, `B\t${round + 3}\t${(Date.now() / 1000).toFixed(6)}\t/srv\t${agentLine}\n`);
      const agentTook = (await agentArrival) - written;

      const directLine = `direct round ${round}`;
      const directArrival = arrival(directLine);
      const sent = performance.now();
      const response = await fetch(bench.vigil.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.agentTokens[0]}` },
        body: JSON.stringify({
          query: 'mutation($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted } }',
          variables: {
            events: [
              {
                eventId: `direct-${round}`,
                kind: 'COMMAND',
                command: { shell: 'SYSTEM', line: directLine, status: 'RUNNING', submittedAt: new Date().toISOString() },
              },
            ],
          },
        }),
      });
      await response.text();
      const directTook = (await directArrival) - sent;
      // The first two rounds warm up the daemon, the subscription and Vigil's caches.
      if (round >= 0) {
        viaAgent.push(agentTook);
        direct.push(directTook);
      }
      await sleep(150);
    }
    const figures = [
      printFigure({ label: 'agent delivery, spool to subscriber, p50', value: percentile(viaAgent, 50), unit: 'ms' }),
      printFigure({ label: 'agent delivery, spool to subscriber, p99', value: percentile(viaAgent, 99), unit: 'ms' }),
      printFigure({ label: 'direct ingestEvents to subscriber, p50', value: percentile(direct, 50), unit: 'ms' }),
    ];
    const comparisons = [
      compareToTarget(
        'agent delivery p99',
        { label: 'agent delivery, spool to subscriber, p99', value: percentile(viaAgent, 99), unit: 'ms' },
        { atMost: 1000, description: '< 1 s (first hour)' },
      ),
      compare(
        'agent delivery vs direct ingestEvents, p50',
        { label: 'through the agent', value: percentile(viaAgent, 50), unit: 'ms' },
        { label: 'direct ingestEvents', value: percentile(direct, 50), unit: 'ms' },
        { description: 'for reference (the agent polls its spool every 200 ms)' },
      ),
    ];
    const notes = [
      `${rounds} commands, one at a time: each written into a shell's spool file as the hook writes it, then the same command posted directly; the clock stops when a commandChanged subscriber (an admin, graphql-ws) receives it. The daemon is \`vigil-agent run\` in a process of its own with the default 200 ms poll.`,
    ];
    return { comparisons, figures, notes };
  } finally {
    daemon.kill('SIGTERM');
    unsubscribe();
    await client.dispose();
    await bench.close();
    await rm(spool, { recursive: true, force: true });
  }
}
