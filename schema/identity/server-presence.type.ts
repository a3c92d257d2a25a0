import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

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

@ObjectType({ simpleResolvers: true })
export class AgentVersionCount {
  @Field(() => String, { description: 'As the agents last reported it (`unknown` when they did not say).' })
  version!: string;
  @Field(() => Int)
  servers!: number;
  @Field(() => Int)
  online!: number;
}

@ObjectType({ simpleResolvers: true, description: 'The tenant’s agents at a glance (retired servers left out).' })
export class AgentFleet {
  @Field(() => Int)
  servers!: number;
  @Field(() => Int)
  online!: number;
  @Field(() => Int)
  offline!: number;
  @Field(() => Int, { description: 'Servers whose agent never sent a heartbeat.' })
  silent!: number;
  @Field(() => [AgentVersionCount], { description: 'Most servers first: more than one is version drift.' })
  versions!: AgentVersionCount[];
}
