import type { CommandStatus } from '../db/tables/commands.js';

/**
 * Where a command's status may go next. Success and Failed are final: a finished command never
 * runs again. Unresponsive is not final: a late report can still bring news of the command.
 * Reporting the current status again is allowed (a heartbeat, or a duplicate report).
 */
const NEXT_STATUSES: Record<CommandStatus, readonly CommandStatus[]> = {
  scheduled: ['scheduled', 'running', 'success', 'failed', 'unresponsive'],
  running: ['running', 'success', 'failed', 'unresponsive'],
  unresponsive: ['unresponsive', 'running', 'success', 'failed'],
  success: ['success'],
  failed: ['failed'],
};

export function canMoveCommand(from: CommandStatus, to: CommandStatus): boolean {
  return NEXT_STATUSES[from].includes(to);
}

export function isFinished(status: CommandStatus): boolean {
  return status === 'success' || status === 'failed';
}
