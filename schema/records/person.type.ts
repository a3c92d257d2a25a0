import { Field, ID, ObjectType } from 'type-graphql';
import type { PersonRecord } from '../../server/identity/identity-types.js';

/**
 * A person named by a record (operator, requester, approver). Anyone who may see the record may
 * see who it names; roles, groups and permissions stay on `User`, which only admins list.
 */
@ObjectType({ simpleResolvers: true })
export class Person {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  email!: string;

  static from(record: PersonRecord): Person {
    return Object.assign(new Person(), { id: record.id, name: record.name, email: record.email });
  }
}
