/**
 * Cases as everything above the queries sees them: written out rather than inferred from the tables
 * (server/db/tables/cases.ts), so a column renamed or retyped fails to compile where a service
 * hands its rows out, instead of changing the API unnoticed. The vocabularies stay the table's.
 */
import type { CaseItemKind, CaseSeverity, CaseStatus } from '../db/tables/index.js';

export type { CaseItemKind, CaseSeverity, CaseStatus };

export interface CaseRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly status: CaseStatus;
  readonly severity: CaseSeverity;
  readonly assigneeUserId: string | null;
  readonly createdById: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly closedAt: Date | null;
}

/** A record attached to a case: its leaf kind and id, why, and (once detached) when and by whom. */
export interface CaseItemRecord {
  readonly id: string;
  readonly caseId: string;
  readonly itemKind: CaseItemKind;
  readonly itemId: string;
  readonly note: string;
  readonly addedById: string;
  readonly addedAt: Date;
  readonly removedAt: Date | null;
  readonly removedById: string | null;
}

export interface CaseNoteRecord {
  readonly id: string;
  readonly caseId: string;
  readonly authorId: string;
  readonly body: string;
  readonly createdAt: Date;
}
