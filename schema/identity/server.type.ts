import { Field, ID, ObjectType } from 'type-graphql';
import type { ServerRow } from '../../server/db/tables/index.js';
import { Connection } from '../common/connection.js';

@ObjectType({ simpleResolvers: true, description: 'A key/value label on a server, such as env=prod.' })
export class Label {
  @Field(() => String)
  key!: string;
  @Field(() => String)
  value!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A server registered in the tenant.' })
export class Server {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  hostname!: string;
  @Field(() => String, { nullable: true })
  os!: string | null;
  @Field(() => String, { nullable: true })
  ipAddress!: string | null;
  @Field(() => [Label])
  labels!: Label[];
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When the server was retired; records that mention it stay.' })
  deletedAt!: Date | null;

  static from(row: ServerRow): Server {
    return Object.assign(new Server(), {
      id: row.id,
      name: row.name,
      hostname: row.hostname,
      os: row.os,
      ipAddress: row.ipAddress,
      labels: Object.entries(row.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value })),
      createdAt: row.createdAt,
      deletedAt: row.deletedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ServerConnection extends Connection(Server, 'Server') {}
