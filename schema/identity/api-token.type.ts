import { Field, ID, ObjectType } from 'type-graphql';
import type { ApiTokenRecord } from '../../server/identity/identity-types.js';
import { Connection } from '../common/connection.js';
import { TokenKindEnum } from '../common/enums.js';

@ObjectType({ simpleResolvers: true, description: 'An API token. The secret is never shown again after creation.' })
export class ApiToken {
  @Field(() => ID)
  id!: string;
  @Field(() => TokenKindEnum)
  kind!: TokenKindEnum;
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: 'The last four characters of the token, to tell tokens apart.' })
  hint!: string;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the token was last used, to the minute.' })
  lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  /** Kept for the nested `user` and `server` fields. */
  userId!: string | null;
  serverId!: string | null;

  static from(record: ApiTokenRecord): ApiToken {
    return Object.assign(new ApiToken(), {
      id: record.id,
      kind: record.kind as TokenKindEnum,
      name: record.name,
      hint: record.hint,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      lastUsedAt: record.lastUsedAt,
      revokedAt: record.revokedAt,
      userId: record.userId,
      serverId: record.serverId,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ApiTokenConnection extends Connection(ApiToken, 'ApiToken') {}

@ObjectType({ simpleResolvers: true, description: 'A token just created: `token` is the secret, shown this once.' })
export class CreatedApiToken {
  @Field(() => String)
  token!: string;
  @Field(() => ApiToken)
  apiToken!: ApiToken;
}
