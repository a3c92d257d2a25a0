/**
 * A terminal session's recording, as its agent streams it: asciicast v2 lines made from the
 * session's own commands and times (the login banner, the prompt, each line typed a few keys at a
 * time and echoed, its output when it finished), cut into numbered chunks, chunk 0 with the header.
 *
 * - `complete`: every chunk, the last one final.
 * - `gap`: the agent lost chunk 1 and declares it lost with chunk 2, the final one.
 * - `live`: the session is still open: the chunks so far, none final.
 */
import type { PlanBuilder, PlannedChunk } from './demo-plan.js';
import type { TerminalPlan, TimedCommand } from './plan-terminal.js';

export type RecordingKind = 'complete' | 'gap' | 'live';

type CastEvent = [seconds: number, code: 'o' | 'i' | 'r' | 'm', data: string];

const WIDTH = 120;
const HEIGHT = 34;

export function castChunks(plan: PlanBuilder, session: TerminalPlan, commands: readonly TimedCommand[], kind: RecordingKind): PlannedChunk[] {
  const header = {
    version: 2,
    width: WIDTH,
    height: HEIGHT,
    timestamp: Math.floor(session.start.getTime() / 1000),
    title: `${session.person.unix}@${session.server.name}`,
    env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
  };
  const events = castEvents(plan, session, commands);
  const count = kind === 'live' ? 2 : 3;
  const size = Math.ceil(events.length / count);
  const chunks: PlannedChunk[] = [];
  for (let seq = 0; seq < count; seq += 1) {
    const lines = events.slice(seq * size, (seq + 1) * size).map((event) => JSON.stringify(event));
    if (seq === 0) lines.unshift(JSON.stringify(header));
    const isLast = seq === count - 1;
    if (kind === 'gap' && seq === 1) continue;
    chunks.push({
      seq,
      lines: `${lines.join('\n')}\n`,
      ...(isLast && kind !== 'live' ? { isFinal: true } : {}),
      ...(kind === 'gap' && seq === 2 ? { isGapDeclared: true } : {}),
    });
  }
  return chunks;
}

function castEvents(plan: PlanBuilder, session: TerminalPlan, commands: readonly TimedCommand[]): CastEvent[] {
  const { random } = plan;
  const events: CastEvent[] = [];
  const startMs = session.start.getTime();
  let last = 0;
  /** Appends an event no earlier than the one before it (times in seconds, to the millisecond). */
  const push = (seconds: number, code: CastEvent[1], data: string) => {
    last = Math.max(last, Math.round(seconds * 1000) / 1000);
    events.push([last, code, data]);
  };
  const offset = (time: Date) => (time.getTime() - startMs) / 1000;
  const prompt = `\u001b[1;32m${session.person.unix}@${session.server.name}\u001b[0m:\u001b[1;34m~\u001b[0m$ `;

  const lastLogin = new Date(startMs - random.int(2, 60) * 3_600_000);
  push(
    0.21,
    'o',
    `Welcome to ${session.server.os} (GNU/Linux 6.8.0-55-generic x86_64)\r\n\r\nLast login: ${lastLogin.toUTCString()} from ${session.person.ip}\r\n`,
  );
  push(0.8, 'r', '160x42');
  push(0.82, 'o', prompt);
  for (const [index, command] of commands.entries()) {
    // Typed a few keys at a time, finishing as the command was submitted.
    const keys = command.line.match(/.{1,3}/gs) ?? [];
    const gaps = keys.map((group) => group.length * (0.05 + random.next() * 0.11));
    const typing = gaps.reduce((sum, gap) => sum + gap, 0);
    let at = Math.max(last + 0.4, offset(command.submittedAt) - typing);
    for (const [keyIndex, group] of keys.entries()) {
      push(at, 'i', group);
      push(at, 'o', group);
      at += gaps[keyIndex]!;
    }
    push(Math.max(at, offset(command.submittedAt)), 'i', '\r');
    push(last, 'o', '\r\n');
    if (session.marker?.atCommand === index) push(last, 'm', session.marker.label);
    if (!command.finishedAt) {
      // Still running (a follow): a few lines stream in.
      push(
        last + 0.6,
        'o',
        `${session.start.toISOString().slice(0, 10)}T${new Date(command.startedAt.getTime() + 600).toISOString().slice(11, 19)}Z checkout[48211]: info: GET /api/cart 200 41ms\r\n`,
      );
      push(
        last + 1.9,
        'o',
        `${session.start.toISOString().slice(0, 10)}T${new Date(command.startedAt.getTime() + 1900).toISOString().slice(11, 19)}Z checkout[48211]: info: POST /api/cart/items 201 88ms\r\n`,
      );
      break;
    }
    const output = command.output ? `${command.output.replaceAll('\n', '\r\n')}\r\n` : '';
    if (output) push(offset(command.finishedAt), 'o', output);
    push(Math.max(last, offset(command.finishedAt)) + 0.01, 'o', prompt);
  }
  return events;
}
