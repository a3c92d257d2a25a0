import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { OnCallIntegrationRecord } from '../../server/oncall/on-call-integrations.js';
import type { ScheduleState } from '../../server/oncall/on-call-directory.js';
import { describeOnCallCheck, type CheckedSchedule, type OnCallCheck as OnCallCheckRecord } from '../../server/oncall/on-call-approval.js';
import { parseScheduleKey } from '../../server/oncall/schedule-keys.js';
import { Connection } from '../common/connection.js';
import { Person } from '../records/person.type.js';

export enum OnCallProviderEnum {
  PAGERDUTY = 'pagerduty',
  OPSGENIE = 'opsgenie',
}
registerEnumType(OnCallProviderEnum, { name: 'OnCallProvider', description: 'An on-call service Vigil asks who is on call.' });

export enum OnCallOutcomeEnum {
  ON_CALL = 'on_call',
  NOT_ON_CALL = 'not_on_call',
  UNAVAILABLE = 'unavailable',
}
registerEnumType(OnCallOutcomeEnum, {
  name: 'OnCallOutcome',
  description: 'ON_CALL: approved on the spot; NOT_ON_CALL: approvers decide; UNAVAILABLE: no provider could say (fail closed), approvers decide.',
});

@ObjectType({ simpleResolvers: true, description: 'A tenant’s account at PagerDuty or Opsgenie. Its API key is write-only: no field returns it.' })
export class OnCallIntegration {
  @Field(() => ID)
  id!: string;
  @Field(() => OnCallProviderEnum)
  provider!: OnCallProviderEnum;
  @Field(() => String)
  name!: string;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  static from(row: OnCallIntegrationRecord): OnCallIntegration {
    return Object.assign(new OnCallIntegration(), {
      id: row.id,
      provider: row.provider as OnCallProviderEnum,
      name: row.name,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class OnCallIntegrationConnection extends Connection(OnCallIntegration, 'OnCallIntegration') {}

@ObjectType({
  simpleResolvers: true,
  description: 'An on-call schedule a policy names as approvers: its integration, and the provider’s own id of the schedule.',
})
export class OnCallScheduleRef {
  @Field(() => ID)
  integrationId!: string;
  @Field(() => String, { description: 'PagerDuty’s schedule id (PABC123), or Opsgenie’s schedule id or name.' })
  scheduleId!: string;

  static fromKey(key: string): OnCallScheduleRef {
    return Object.assign(new OnCallScheduleRef(), parseScheduleKey(key));
  }
}

@ObjectType({ simpleResolvers: true, description: 'An on-call schedule now: the Vigil users on call for it, or why that is unknown.' })
export class OnCallScheduleStatus {
  @Field(() => ID)
  integrationId!: string;
  @Field(() => String)
  scheduleId!: string;
  @Field(() => OnCallProviderEnum, { nullable: true, description: 'Null when the integration was deleted.' })
  provider!: OnCallProviderEnum | null;
  @Field(() => String, { nullable: true })
  integrationName!: string | null;
  @Field(() => Boolean, { description: 'Whether the provider said who is on call. When false, the schedule makes nobody eligible (fail closed).' })
  isAvailable!: boolean;
  @Field(() => String, { nullable: true, description: 'Why the provider could not say (unreachable, a refused key, an unknown schedule…).' })
  error!: string | null;
  @Field(() => [Person], { description: 'The tenant’s enabled users on call now, matched by email.' })
  people!: Person[];
  @Field(() => Int, { description: 'People on call now whom no enabled user of the tenant matches by email.' })
  unmatchedCount!: number;

  static from(state: ScheduleState, people: readonly { id: string; name: string; email: string; keys: readonly string[] }[]): OnCallScheduleStatus {
    const matched = people.filter((person) => person.keys.includes(state.key));
    return Object.assign(new OnCallScheduleStatus(), {
      integrationId: state.integrationId,
      scheduleId: state.scheduleId,
      provider: state.provider as OnCallProviderEnum | null,
      integrationName: state.integrationName,
      isAvailable: state.emails !== null,
      error: state.error,
      people: matched.map((person) => Object.assign(new Person(), { id: person.id, name: person.name, email: person.email })),
      unmatchedCount: Math.max(0, (state.emails?.length ?? 0) - matched.length),
    });
  }
}

@ObjectType({ simpleResolvers: true, description: 'An on-call schedule as a requester’s on-call check saw it.' })
export class OnCallCheckedSchedule {
  @Field(() => ID)
  integrationId!: string;
  @Field(() => String, { nullable: true })
  integrationName!: string | null;
  @Field(() => OnCallProviderEnum, { nullable: true })
  provider!: OnCallProviderEnum | null;
  @Field(() => String)
  scheduleId!: string;
  @Field(() => String, { nullable: true, description: 'Why nobody could say who was on call; null when the provider answered.' })
  error!: string | null;

  static from(schedule: CheckedSchedule): OnCallCheckedSchedule {
    return Object.assign(new OnCallCheckedSchedule(), { ...schedule, provider: schedule.provider as OnCallProviderEnum | null });
  }
}

@ObjectType({
  simpleResolvers: true,
  description: 'Whether the requester was on call when the request was filed, under a policy that approves on-call requesters on the spot.',
})
export class OnCallCheck {
  @Field(() => OnCallOutcomeEnum)
  outcome!: OnCallOutcomeEnum;
  @Field(() => String, { description: 'The outcome as a sentence, for the requester and the approvers.' })
  message!: string;
  @Field(() => OnCallCheckedSchedule, { nullable: true, description: 'The schedule the requester was on call for (ON_CALL).' })
  onCallFor!: OnCallCheckedSchedule | null;
  @Field(() => [OnCallCheckedSchedule], { description: 'The schedules nobody could ask (they count as not on call).' })
  unavailable!: OnCallCheckedSchedule[];

  static from(check: OnCallCheckRecord): OnCallCheck {
    return Object.assign(new OnCallCheck(), {
      outcome: check.outcome as OnCallOutcomeEnum,
      message: describeOnCallCheck(check),
      onCallFor: check.onCallFor ? OnCallCheckedSchedule.from(check.onCallFor) : null,
      unavailable: check.unavailable.map((schedule) => OnCallCheckedSchedule.from(schedule)),
    });
  }
}
