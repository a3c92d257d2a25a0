/** The terminal sessions someone opens, one after the other, while their access session is in force. */
import { serverOf } from './demo-cast.js';
import { after, MINUTE, type PlanBuilder } from './demo-plan.js';
import type { DemoTask } from './demo-work.js';
import type { InForce } from './plan-access.js';
import type { RecordingKind } from './plan-recording.js';
import { planTerminalSession, type TerminalPlan } from './plan-terminal.js';

export interface WorkItem {
  readonly server: string;
  readonly task: DemoTask;
  readonly version?: string;
  readonly recording?: RecordingKind;
  readonly ending?: TerminalPlan['ending'];
  readonly marker?: TerminalPlan['marker'];
  /** Whether `sudo` lines run; the session's own sudo by default. */
  readonly withSudo?: boolean;
  /** When it starts; a few minutes after the previous one by default. */
  readonly startAt?: Date;
  /** When it must be over; a minute before the session ends by default. */
  readonly notAfter?: Date;
}

/** Plans the items in order; returns when the last one was over. */
export function planWork(plan: PlanBuilder, session: InForce, items: readonly WorkItem[]): Date {
  let done = session.start;
  for (const [index, item] of items.entries()) {
    const start = item.startAt ?? after(done, (index === 0 ? plan.random.int(1, 4) : plan.random.int(5, 25)) * MINUTE + plan.random.int(0, 59) * 1000);
    done = planTerminalSession(plan, {
      access: session.access,
      person: session.person,
      server: serverOf(item.server),
      start,
      task: item.task,
      withSudo: item.withSudo ?? session.withSudo,
      notAfter: item.notAfter ?? after(session.expiresAt, -MINUTE),
      ...(item.version ? { version: item.version } : {}),
      ...(item.recording ? { recording: item.recording } : {}),
      ...(item.ending ? { ending: item.ending } : {}),
      ...(item.marker ? { marker: item.marker } : {}),
    });
  }
  return done;
}
