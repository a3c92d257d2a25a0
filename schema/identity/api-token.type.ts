import { Field, ID, ObjectType } from 'type-graphql';
import type { ApiTokenRow } from '../../server/db/tables/index.js';
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

  static from(row: ApiTokenRow): ApiToken {
    return Object.assign(new ApiToken(), {
      id: row.id,
      kind: row.kind as TokenKindEnum,
      name: row.name,
      hint: row.hint,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      revokedAt: row.revokedAt,
      userId: row.userId,
      serverId: row.serverId,
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
