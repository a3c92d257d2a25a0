import { Field, ID, InputType } from 'type-graphql';
import { PermissionEnum, RoleEnum, TokenKindEnum } from '../common/enums.js';

@InputType()
export class CreateUserInput {
  @Field(() => String)
  email!: string;
  @Field(() => String, { nullable: true, description: 'Defaults to the part of the email before @.' })
  name?: string | null;
  @Field(() => RoleEnum, { nullable: true, description: 'Defaults to USER.' })
  role?: RoleEnum | null;
  @Field(() => [String], { nullable: true })
  groups?: string[] | null;
  @Field(() => [PermissionEnum], { nullable: true })
  permissions?: PermissionEnum[] | null;
}

@InputType()
export class UserFilterInput {
  @Field(() => RoleEnum, { nullable: true })
  role?: RoleEnum | null;
  @Field(() => Boolean, { nullable: true })
  isDisabled?: boolean | null;
  @Field(() => String, { nullable: true })
  group?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of an email or name, case-insensitive.' })
  search?: string | null;
}

@InputType()
export class LabelInput {
  @Field(() => String)
  key!: string;
  @Field(() => String)
  value!: string;
}

@InputType()
export class RegisterServerInput {
  @Field(() => String, { description: 'Unique in the tenant: letters, digits, _ . and -.' })
  name!: string;
  @Field(() => String)
  hostname!: string;
  @Field(() => String, { nullable: true })
  os?: string | null;
  @Field(() => String, { nullable: true, description: 'An IPv4 or IPv6 address.' })
  ipAddress?: string | null;
  @Field(() => [LabelInput], { nullable: true })
  labels?: LabelInput[] | null;
}

@InputType()
export class ServerFilterInput {
  @Field(() => Boolean, { nullable: true, description: 'Include retired servers (default false).' })
  includeDeleted?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Part of a name or hostname, case-insensitive.' })
  search?: string | null;
  @Field(() => [LabelInput], { nullable: true, description: 'Servers carrying every one of these labels.' })
  labels?: LabelInput[] | null;
}

@InputType()
export class CreateUserTokenInput {
  @Field(() => String)
  name!: string;
  @Field(() => ID, { nullable: true, description: 'Whose token; defaults to the caller. Only admins may name another user.' })
  userId?: string | null;
  @Field(() => Date, { nullable: true, description: 'When the token stops working; never when unset.' })
  expiresAt?: Date | null;
}

@InputType({ description: 'A stream token, for a machine consumer (a SIEM shipper): it reads the event stream as its user would, and nothing else.' })
export class CreateStreamTokenInput {
  @Field(() => String)
  name!: string;
  @Field(() => ID, { nullable: true, description: 'Whose token (whose records it streams); defaults to the caller. Only admins may name another user.' })
  userId?: string | null;
  @Field(() => Date, { nullable: true, description: 'When the token stops working; never when unset.' })
  expiresAt?: Date | null;
}

@InputType()
export class CreateAgentTokenInput {
  @Field(() => String)
  name!: string;
  @Field(() => ID, { description: 'The server the agent reports for.' })
  serverId!: string;
  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;
}

@InputType()
export class TokenFilterInput {
  @Field(() => ID, { nullable: true })
  userId?: string | null;
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => TokenKindEnum, { nullable: true })
  kind?: TokenKindEnum | null;
  @Field(() => Boolean, { nullable: true, description: 'Include revoked tokens (default false).' })
  includeRevoked?: boolean | null;
}
