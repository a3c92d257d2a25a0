import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { CaseItemRecord, CaseNoteRecord, CaseRecord as CaseFacts } from '../../server/cases/case-types.js';
import { Connection } from '../common/connection.js';
import { CaseRecord } from './case-record.js';

export enum CaseStatusEnum {
  OPEN = 'open',
  INVESTIGATING = 'investigating',
  RESOLVED = 'resolved',
  CLOSED = 'closed',
}
registerEnumType(CaseStatusEnum, {
  name: 'CaseStatus',
  description: 'Where an investigation stands. CLOSED is final: only an admin reopens a closed case (to OPEN or INVESTIGATING).',
});

export enum CaseSeverityEnum {
  LOW = 'low',
  MEDIUM = 'medium',
  HIGH = 'high',
  CRITICAL = 'critical',
}
registerEnumType(CaseSeverityEnum, { name: 'CaseSeverity', description: 'How serious an incident case is, least first.' });

/** The GraphQL names of the kinds server/cases/case-item-kinds.ts offers (their leaf kinds). */
export enum CaseItemKindEnum {
  AUDIT_ENTRY = 'audit_entry',
  ACTIVITY = 'activity',
  ACCESS_SESSION = 'access_session',
  TERMINAL_SESSION = 'terminal_session',
  COMMAND = 'command',
  FILE_TRANSFER = 'file_transfer',
  SYSTEM_LOG = 'system_log',
  SUDO_AUTHORIZATION = 'sudo_authorization',
  APPROVAL = 'approval',
  TERMINAL_RECORDING = 'terminal_recording',
  DESKTOP_RECORDING = 'desktop_recording',
}
registerEnumType(CaseItemKindEnum, {
  name: 'CaseItemKind',
  description: 'What kind of record is attached to a case: an audit entry, a record agents reported, a request, or a recording.',
});

@ObjectType({ simpleResolvers: true, description: 'An incident case: what investigators found in the record. Needs CASES_MANAGE.' })
export class Case {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  title!: string;
  @Field(() => String)
  description!: string;
  @Field(() => CaseStatusEnum)
  status!: CaseStatusEnum;
  @Field(() => CaseSeverityEnum)
  severity!: CaseSeverityEnum;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was closed (null while it is not).' })
  closedAt!: Date | null;
  record!: CaseFacts;

  static from(row: CaseFacts): Case {
    return Object.assign(new Case(), {
      id: row.id,
      title: row.title,
      description: row.description,
      status: row.status as CaseStatusEnum,
      severity: row.severity as CaseSeverityEnum,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      closedAt: row.closedAt,
      record: row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class CaseConnection extends Connection(Case, 'Case') {}

@ObjectType({ simpleResolvers: true, description: 'A record attached to a case, with why it was attached.' })
export class CaseItem {
  @Field(() => ID, { description: 'The attachment’s id (its leaf in the verifiable log).' })
  id!: string;
  @Field(() => CaseItemKindEnum)
  kind!: CaseItemKindEnum;
  @Field(() => ID, { description: 'The attached record’s id.' })
  itemId!: string;
  @Field(() => String, { description: 'Why it was attached.' })
  note!: string;
  @Field(() => Date)
  addedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was detached (only with items(includeRemoved: true)).' })
  removedAt!: Date | null;
  @Field(() => CaseRecord, { description: 'The record, as its own query shows it to you.' })
  record!: typeof CaseRecord;
  row!: CaseItemRecord;

  static from(row: CaseItemRecord, record: typeof CaseRecord): CaseItem {
    return Object.assign(new CaseItem(), {
      id: row.id,
      kind: row.itemKind as CaseItemKindEnum,
      itemId: row.itemId,
      note: row.note,
      addedAt: row.addedAt,
      removedAt: row.removedAt,
      record,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true, description: 'What an investigator wrote on a case. Notes are never edited or deleted.' })
export class CaseNote {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  body!: string;
  @Field(() => Date)
  createdAt!: Date;
  row!: CaseNoteRecord;

  static from(row: CaseNoteRecord): CaseNote {
    return Object.assign(new CaseNote(), { id: row.id, body: row.body, createdAt: row.createdAt, row });
  }
}

@InputType()
export class CaseFilterInput {
  @Field(() => [CaseStatusEnum], { nullable: true })
  status?: CaseStatusEnum[] | null;
  @Field(() => [CaseSeverityEnum], { nullable: true })
  severity?: CaseSeverityEnum[] | null;
  @Field(() => ID, { nullable: true, description: 'The assignee’s user id.' })
  assigneeUserId?: string | null;
}

@InputType()
export class CreateCaseInput {
  @Field(() => String)
  title!: string;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => CaseSeverityEnum, { nullable: true, description: 'Default MEDIUM.' })
  severity?: CaseSeverityEnum | null;
}

@InputType()
export class UpdateCaseInput {
  @Field(() => String, { nullable: true })
  title?: string | null;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => CaseSeverityEnum, { nullable: true })
  severity?: CaseSeverityEnum | null;
  @Field(() => CaseStatusEnum, { nullable: true, description: 'A closed case is reopened (OPEN or INVESTIGATING) by an admin only.' })
  status?: CaseStatusEnum | null;
}
