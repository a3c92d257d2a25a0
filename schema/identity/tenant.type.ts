import { Field, ID, ObjectType } from 'type-graphql';
import type { TenantRow } from '../../server/db/tables/index.js';

@ObjectType({ simpleResolvers: true, description: 'A workspace: the unit of isolation. Nothing of one tenant is visible from another.' })
export class Tenant {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  slug!: string;
  @Field(() => String)
  name!: string;
  @Field(() => Date)
  createdAt!: Date;

  static from(row: TenantRow): Tenant {
    return Object.assign(new Tenant(), { id: row.id, slug: row.slug, name: row.name, createdAt: row.createdAt });
  }
}
