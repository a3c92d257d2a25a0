/**
 * Alert rules and the alerts they raise, as everything above the queries sees them. Written out
 * rather than inferred from the tables, so a column renamed or retyped fails to compile where a
 * service hands its rows out; the evaluator's bookkeeping (how far a rule has looked) is not part
 * of them.
 */
import type { AlertCondition, AlertState, Severity } from '../db/tables/index.js';

export interface AlertRuleRecord {
  readonly id: string;
  readonly name: string;
  readonly condition: AlertCondition;
  /** Condition settings: `commandPattern`, `serverLabels`. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
  readonly channelIds: readonly string[];
  readonly isEnabled: boolean;
}

/** A rule that fired for one subject (a person's email, `tenant`, a command or grant id). */
export interface AlertRecord {
  readonly id: string;
  readonly ruleId: string;
  readonly subject: string;
  readonly state: AlertState;
  readonly severity: Severity;
  readonly title: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly firedAt: Date;
  readonly acknowledgedAt: Date | null;
  readonly acknowledgedById: string | null;
  readonly resolvedAt: Date | null;
  readonly resolvedById: string | null;
}
