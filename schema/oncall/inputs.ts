import { Field, ID, InputType } from 'type-graphql';
import { OnCallProviderEnum } from './on-call.type.js';

@InputType()
export class CreateOnCallIntegrationInput {
  @Field(() => OnCallProviderEnum)
  provider!: OnCallProviderEnum;
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: 'PagerDuty: a REST API key (read-only is enough). Opsgenie: an API integration’s key. Sealed at rest; never returned.' })
  apiKey!: string;
}

@InputType({ description: 'The fields to change; omitted fields keep their value.' })
export class UpdateOnCallIntegrationInput {
  @Field(() => String, { nullable: true })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'A new API key, replacing the old one.' })
  apiKey?: string | null;
}

@InputType({ description: 'An on-call schedule: an integration of the tenant, and the provider’s id of the schedule.' })
export class OnCallScheduleInput {
  @Field(() => ID)
  integrationId!: string;
  @Field(() => String, { description: 'PagerDuty’s schedule id (PABC123), or Opsgenie’s schedule id or name.' })
  scheduleId!: string;
}
