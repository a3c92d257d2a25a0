import { Field, ID, ObjectType } from 'type-graphql';
import type { ServerRecord } from '../../server/identity/identity-types.js';
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

  static from(record: ServerRecord): Server {
    return Object.assign(new Server(), {
      id: record.id,
      name: record.name,
      hostname: record.hostname,
      os: record.os,
      ipAddress: record.ipAddress,
      labels: Object.entries(record.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value })),
      createdAt: record.createdAt,
      deletedAt: record.deletedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ServerConnection extends Connection(Server, 'Server') {}
