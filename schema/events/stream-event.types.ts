import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { EventActor, EventCategory, EventOutcome, Severity, StreamEvent as StreamEventRecord } from '../../server/events/stream-event.js';
import type { EventStreamPage as EventStreamPageRecord } from '../../server/events/read-event-stream.js';
import { AuditActorTypeEnum } from '../audit/audit-entry.type.js';
import { SeverityEnum } from '../common/enums.js';
import { LabelInput } from '../identity/inputs.js';

export enum EventCategoryEnum {
  AUTHENTICATION = 'authentication',
  SESSION = 'session',
  COMMAND = 'command',
  PRIVILEGE = 'privilege',
  FILE = 'file',
  ADMINISTRATION = 'administration',
  APPROVAL = 'approval',
  SYSTEM = 'system',
}
registerEnumType(EventCategoryEnum, { name: 'EventCategory', description: 'What an event is about (README, "Event stream", has the table by kind).' });

export enum EventOutcomeEnum {
  SUCCESS = 'success',
  FAILURE = 'failure',
  UNKNOWN = 'unknown',
}
registerEnumType(EventOutcomeEnum, { name: 'EventOutcome', description: 'How what the event records came out, when the record says.' });

@ObjectType({ simpleResolvers: true, description: 'Who did what an event records, as far as its record says.' })
export class EventActorView {
  @Field(() => AuditActorTypeEnum)
  type!: AuditActorTypeEnum;
  @Field(() => String, { nullable: true, description: 'A user id (or, in audit entries, an agent token id or the name of the part of Vigil that acted).' })
  id!: string | null;
  @Field(() => String, { nullable: true })
  email!: string | null;
  @Field(() => String, { nullable: true, description: 'The account on the server (sessions, transfers), or the program (system logs).' })
  name!: string | null;

  static from(actor: EventActor): EventActorView {
    return Object.assign(new EventActorView(), { ...actor, type: actor.type as AuditActorTypeEnum });
  }
}

@ObjectType('StreamEvent', { simpleResolvers: true, description: 'One leaf of the tenant’s verifiable log as an event (README, "Event stream").' })
export class StreamEventView {
  @Field(() => Int, { description: 'The leaf’s position in the tenant’s log.' })
  position!: number;
  @Field(() => String, { description: 'Pass it back as `after` to read on from this event.' })
  cursor!: string;
  @Field(() => String, { description: 'Hex SHA-256(0x00 || leaf), the log’s leaf hash: logInclusionProof(leafIndex: position) proves it.' })
  leafHash!: string;
  @Field(() => String, { description: 'The leaf kind: command, terminal_session, audit_entry …' })
  kind!: string;
  @Field(() => String)
  recordId!: string;
  @Field(() => String, { description: '`<kind>.<what this version says>`: command.failed, terminal_session.ended, audit.user.created …' })
  type!: string;
  @Field(() => EventCategoryEnum)
  category!: EventCategory;
  @Field(() => SeverityEnum)
  severity!: Severity;
  @Field(() => EventOutcomeEnum)
  outcome!: EventOutcome;
  @Field(() => Date, { description: 'The record’s own time for what this version records, else when the version was written.' })
  time!: Date;
  @Field(() => EventActorView, { nullable: true, description: 'Null for a setting’s version: the audit entry written with it names who.' })
  actor!: EventActorView | null;
  @Field(() => ID, { nullable: true })
  serverId!: string | null;
  @Field(() => GraphQLJSONObject, { description: 'The leaf’s row by column name, with the API’s field rules applied.' })
  record!: Record<string, unknown>;

  static from(event: StreamEventRecord): StreamEventView {
    return Object.assign(new StreamEventView(), { ...event, actor: event.actor && EventActorView.from(event.actor) });
  }
}

@ObjectType({ simpleResolvers: true })
export class EventStreamPage {
  @Field(() => [StreamEventView])
  nodes!: StreamEventView[];
  @Field(() => String, { description: 'The last position read (not the last event returned): pass it back as `after`.' })
  endCursor!: string;
  @Field(() => Boolean, { description: 'Whether the log already holds more after endCursor.' })
  hasMore!: boolean;

  static from(page: EventStreamPageRecord): EventStreamPage {
    return Object.assign(new EventStreamPage(), { nodes: page.nodes.map(StreamEventView.from), endCursor: page.endCursor, hasMore: page.hasMore });
  }
}

@InputType()
export class EventStreamFilter {
  @Field(() => [String], { nullable: true, description: 'Leaf kinds (command, audit_entry …).' })
  kinds?: string[] | null;
  @Field(() => [EventCategoryEnum], { nullable: true })
  categories?: EventCategory[] | null;
  @Field(() => [String], { nullable: true, description: 'Types or their prefixes: `command` takes command.failed and every other command.… type.' })
  types?: string[] | null;
  @Field(() => SeverityEnum, { nullable: true, description: 'This severity and every higher one.' })
  minSeverity?: Severity | null;
  @Field(() => ID, { nullable: true, description: 'The server the record names (for an access session: any of its servers).' })
  serverId?: string | null;
  @Field(() => Date, { nullable: true, description: 'Events whose time is this or later.' })
  since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Events whose time is before this.' })
  until?: Date | null;
  @Field(() => String, { nullable: true, description: 'A server by its name, whatever the case (retired servers too).' })
  serverName?: string | null;
  @Field(() => [LabelInput], { nullable: true, description: 'Servers carrying every one of these labels, as they are labelled now.' })
  serverLabels?: LabelInput[] | null;
  @Field(() => ID, { nullable: true, description: 'The person whose record it is, or who acted.' })
  userId?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'An IP address (10.0.0.5, 2001:db8::1) or network (10.0.0.0/8): the client IP of an audit or activity entry, the remote IP of a session or transfer, a server’s IP. Matched as you see the record.',
  })
  ip?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Found, whatever its case, in the event’s type or any text of its record as you see it (1 to 200 characters).',
  })
  keyword?: string | null;
}
