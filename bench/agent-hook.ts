/**
 * The reference agent's shell hook: the time it adds to each command typed, against the same shell
 * running the same commands without it (the baseline, in the same run). The budget is 5 ms. The
 * shells run interactively (`-i`, so the hook's prompt and DEBUG traps fire) reading the commands
 * from a file, so the figure is the hook's work alone, without a terminal's or a person's pace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shellHook, type Shell } from '../agent/shell-hook.js';
import { benchAgentDelivery } from './agent-delivery.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, compareToTarget, printFigure, type BenchmarkResult, type Comparison, type Figure } from './support/report.js';

const SHELL_COMMAND: Record<Shell, string[]> = { bash: ['bash', '--norc', '--noprofile', '-i'], zsh: ['zsh', '-f', '-i'] };

function timeShell(shell: Shell, script: string): number {
  const [program, ...args] = SHELL_COMMAND[shell];
  const started = process.hrtime.bigint();
  const result = spawnSync(program!, args, {
    input: script,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), TERM: 'dumb' },
  });
  if (result.status !== 0) throw new Error(`${shell} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchAgentHook(options: BenchOptions): Promise<BenchmarkResult> {
  process.stdout.write('\nreference agent\n');
  const commands = size(options, 500, 3000);
  const runs = size(options, 3, 7);
  const comparisons: Comparison[] = [];
  const figures: Figure[] = [];
  for (const shell of ['bash', 'zsh'] as const) {
    if (!existsSync(`/usr/bin/${shell}`) && !existsSync(`/bin/${shell}`)) continue;
    const spool = await mkdtemp(path.join(os.tmpdir(), 'vigil-hook-bench-'));
    const lines = Array.from({ length: commands }, (_, index) => `: command ${index} in /srv/app --flag=value`).join('\n');
    const plain = `${lines}\nexit 0\n`;
    const hooked = `${shellHook(shell, spool)}\n${plain}`;
    const without: number[] = [];
    const withHook: number[] = [];
    for (let run = 0; run < runs; run++) {
      without.push(timeShell(shell, plain));
      withHook.push(timeShell(shell, hooked));
    }
    const written = (await readdir(spool)).length;
    await rm(spool, { recursive: true, force: true });
    if (written === 0) throw new Error(`${shell}: the hook wrote no spool file`);
    const perCommandWithout = median(without) / commands;
    const perCommandWith = median(withHook) / commands;
    const added = { label: `${shell} hook: time added per command`, value: Math.max(0, perCommandWith - perCommandWithout), unit: 'ms' };
    figures.push(printFigure({ label: `${shell} without the hook, per command`, value: perCommandWithout, unit: 'ms' }));
    figures.push(printFigure({ label: `${shell} with the hook, per command`, value: perCommandWith, unit: 'ms' }));
    comparisons.push(compareToTarget(`${shell} hook latency per command`, added, { atMost: 5, description: '< 5 ms per command' }));
    comparisons.push(
      compare(
        `${shell} with the hook vs without`,
        { label: `${shell} with the hook`, value: perCommandWith, unit: 'ms/command' },
        { label: `${shell} without`, value: perCommandWithout, unit: 'ms/command' },
        { description: 'for reference' },
      ),
    );
  }
  const delivery = await benchAgentDelivery(options);
  return {
    benchmark: 'reference agent',
    comparisons: [...comparisons, ...delivery.comparisons],
    figures: [...figures, ...delivery.figures],
    notes: [
      ...delivery.notes,
      `${commands} commands (\`: command N …\`, a builtin, so the shell's own work is the least it can be) run by an interactive shell reading them from stdin, ${runs} runs with and without the hook alternated, median run; the hook writes each command's begin and end records to its spool file (bash also forks once per command to read the line from history).`,
    ],
  };
}
