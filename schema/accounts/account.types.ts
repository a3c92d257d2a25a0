import { Field, ID, ObjectType } from 'type-graphql';
import type { AccountRecord, WorkspaceRecord } from '../../server/accounts/accounts.js';
import type { AccountStatistics as AccountStatisticsRecord } from '../../server/accounts/account-statistics.js';
import { KeyCount, WindowStatistics } from '../audit/statistics.type.js';
import { EventStatistics } from '../events/event-statistics.types.js';
import { AuditEntry } from '../audit/audit-entry.type.js';
import type { AccountAuditPage } from '../../server/accounts/account-audit-log.js';

@ObjectType({ simpleResolvers: true, description: 'A workspace (tenant) of an account.' })
export class Workspace {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { description: 'What the Vigil-Workspace header (or `workspace` in graphql-ws connection parameters) names.' })
  slug!: string;
  @Field(() => String)
  name!: string;

  static from(row: WorkspaceRecord): Workspace {
    return Object.assign(new Workspace(), { id: row.id, slug: row.slug, name: row.name });
  }
}

@ObjectType({
  simpleResolvers: true,
  description:
    'An account (organisation) holding several workspaces. Its admins are admins of each workspace, and choose the one a request acts in with the Vigil-Workspace header.',
})
export class Account {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  slug!: string;
  @Field(() => String)
  name!: string;
  @Field(() => [Workspace], { description: 'By slug.' })
  workspaces!: Workspace[];
  @Field(() => [String], { description: 'The account admins’ emails.' })
  admins!: string[];

  static from(row: AccountRecord, workspaces: WorkspaceRecord[], admins: string[]): Account {
    return Object.assign(new Account(), { id: row.id, slug: row.slug, name: row.name, workspaces: workspaces.map(Workspace.from), admins });
  }
}

@ObjectType({ simpleResolvers: true })
export class WorkspaceStatistics {
  @Field(() => Workspace)
  workspace!: Workspace;
  @Field(() => EventStatistics)
  statistics!: EventStatistics;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Event statistics of each chosen workspace of the account, and their sums (people and servers are per workspace: see byWorkspace).',
})
export class AccountStatistics extends WindowStatistics {
  @Field(() => [KeyCount])
  byCategory!: KeyCount[];
  @Field(() => [KeyCount], { description: 'The 100 most frequent types across the workspaces.' })
  byType!: KeyCount[];
  @Field(() => [KeyCount])
  bySeverity!: KeyCount[];
  @Field(() => [KeyCount])
  byOutcome!: KeyCount[];
  @Field(() => [WorkspaceStatistics], { description: 'Each workspace counted, by slug.' })
  byWorkspace!: WorkspaceStatistics[];

  static from(record: AccountStatisticsRecord): AccountStatistics {
    return Object.assign(new AccountStatistics(), {
      ...record,
      byWorkspace: record.byWorkspace.map(({ workspace, statistics }) =>
        Object.assign(new WorkspaceStatistics(), { workspace: Workspace.from(workspace), statistics }),
      ),
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AccountAuditEntry {
  @Field(() => Workspace)
  workspace!: Workspace;
  @Field(() => AuditEntry)
  entry!: AuditEntry;
}

@ObjectType({ simpleResolvers: true, description: 'A page of the account-wide audit log, newest first across the workspaces.' })
export class AccountAuditLogPage {
  @Field(() => [AccountAuditEntry])
  nodes!: AccountAuditEntry[];
  @Field(() => String, { nullable: true, description: 'Pass it as `after` for the next page (it holds each workspace’s own position).' })
  endCursor!: string | null;
  @Field(() => Boolean)
  hasNextPage!: boolean;

  static from(page: AccountAuditPage): AccountAuditLogPage {
    return Object.assign(new AccountAuditLogPage(), {
      ...page,
      nodes: page.nodes.map(({ workspace, entry }) =>
        Object.assign(new AccountAuditEntry(), { workspace: Workspace.from(workspace), entry: AuditEntry.from(entry) }),
      ),
    });
  }
}
