import { Field, ID, InputType } from 'type-graphql';
import { TimeRangeInput } from '../records/filters.js';
import { RecordingStatusEnum } from './recording.types.js';

@InputType({ description: 'Recordings started in the time range, narrowed by server, user, session or status.' })
export class TerminalRecordingFilterInput extends TimeRangeInput {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true, description: "The session's operator." })
  userId?: string | null;
  @Field(() => ID, { nullable: true })
  terminalSessionId?: string | null;
  @Field(() => RecordingStatusEnum, { nullable: true })
  status?: RecordingStatusEnum | null;
}

export const RECORDING_FILTER_IDS = ['serverId', 'userId', 'terminalSessionId'] as const;
