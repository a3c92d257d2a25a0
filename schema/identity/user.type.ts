import { Field, ID, ObjectType } from 'type-graphql';
import { effectivePermissions } from '../../server/auth/permissions.js';
import type { UserRecord } from '../../server/identity/identity-types.js';
import { Connection } from '../common/connection.js';
import { PermissionEnum, RoleEnum } from '../common/enums.js';

@ObjectType({ simpleResolvers: true, description: 'A person in a tenant.' })
export class User {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  email!: string;
  @Field(() => String)
  name!: string;
  @Field(() => RoleEnum)
  role!: RoleEnum;
  @Field(() => [String], { description: 'Groups, used by approval policies (e.g. approver groups).' })
  groups!: string[];
  @Field(() => [PermissionEnum], { description: 'Permissions granted to this user on top of the role.' })
  grantedPermissions!: PermissionEnum[];
  @Field(() => [PermissionEnum], { description: 'What the user may do: every permission for admins, else the granted ones.' })
  permissions!: PermissionEnum[];
  @Field(() => Boolean, {
    description:
      'An admin of the account (organisation) this workspace belongs to: acts here as an admin whatever the role, and may choose the account’s other workspaces.',
  })
  isAccountAdmin!: boolean;
  @Field(() => Boolean)
  isDisabled!: boolean;
  @Field(() => Date, { nullable: true })
  disabledAt!: Date | null;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  static from(record: UserRecord): User {
    return Object.assign(new User(), {
      id: record.id,
      email: record.email,
      name: record.name,
      role: record.role as RoleEnum,
      groups: record.groups,
      grantedPermissions: record.permissions as PermissionEnum[],
      permissions: [...effectivePermissions(record.managingAccountId ? 'admin' : record.role, record.permissions)] as PermissionEnum[],
      isAccountAdmin: Boolean(record.managingAccountId),
      isDisabled: record.disabledAt !== null,
      disabledAt: record.disabledAt,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class UserConnection extends Connection(User, 'User') {}
