import { Field, Float, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum PresenceStatusEnum {
  ONLINE = 'online',
  OFFLINE = 'offline',
}
registerEnumType(PresenceStatusEnum, { name: 'PresenceStatus', description: 'Whether a server’s agent sends heartbeats.' });

@ObjectType({ simpleResolvers: true, description: 'A server’s agent as its heartbeats show it.' })
export class ServerPresence {
  @Field(() => PresenceStatusEnum, { description: 'OFFLINE once no heartbeat came for VIGIL_AGENT_OFFLINE_AFTER seconds.' })
  status!: PresenceStatusEnum;
  @Field(() => Date)
  statusChangedAt!: Date;
  @Field(() => Date)
  lastSeenAt!: Date;
  @Field(() => String, { nullable: true })
  agentVersion!: string | null;
  @Field(() => String, { nullable: true, description: 'The host name the agent reported.' })
  hostname!: string | null;
  @Field(() => String, { nullable: true })
  os!: string | null;
  @Field(() => Date, { nullable: true, description: 'The agent’s own clock at its last heartbeat.' })
  agentTime!: Date | null;
  @Field(() => Float, { nullable: true, description: 'Seconds the agent’s clock was ahead of Vigil’s (negative: behind) at its last heartbeat.' })
  clockSkewSeconds!: number | null;
}

@InputType()
export class HeartbeatInput {
  @Field(() => String, { nullable: true })
  agentVersion?: string | null;
  @Field(() => String, { nullable: true })
  hostname?: string | null;
  @Field(() => String, { nullable: true })
  os?: string | null;
  @Field(() => Date, { nullable: true, description: 'The agent’s clock now.' })
  time?: Date | null;
}
