/**
 * How a case's status moves. Open, investigating and resolved move freely among themselves (a
 * resolved case can turn out not to be) and to closed. Closed is final: only an admin reopens a
 * closed case, to open or investigating (never straight to resolved: reopening means looking
 * again), and nothing else changes on it meanwhile.
 */
import type { Actor } from '../auth/actor.js';
import { requireCaseReopener } from '../auth/scope.js';
import type { CaseStatus } from '../db/tables/index.js';
import { BadInput, Conflict } from '../errors.js';

const REOPENED_TO: readonly CaseStatus[] = ['open', 'investigating'];

/** Refuses a move from `from` to `to` that is not allowed to `actor` (FORBIDDEN, BAD_USER_INPUT or CONFLICT naming input.status). */
export function checkStatusMove(actor: Actor, from: CaseStatus, to: CaseStatus): void {
  if (from !== 'closed') return;
  if (to === 'closed') throw new Conflict('The case is closed; an admin may reopen it', { field: 'input.status', status: from });
  if (!REOPENED_TO.includes(to)) throw new BadInput('input.status', `input.status: a closed case is reopened to ${REOPENED_TO.join(' or ')}`);
  requireCaseReopener(actor);
}

/** Whether the move reopens the case. */
export const isReopening = (from: CaseStatus, to: CaseStatus): boolean => from === 'closed' && to !== 'closed';
