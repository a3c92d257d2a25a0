import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { RoleAssignmentRecord as RoleAssignmentRow, RoleRecord as RoleRow, ServerSelector } from '../../server/roles/roles.js';
import { PERMISSIONS } from '../../server/auth/permissions.js';
import { PermissionEnum, RoleEnum } from '../common/enums.js';
import { LabelInput } from '../identity/inputs.js';
import { Label } from '../identity/server.type.js';

@ObjectType({ simpleResolvers: true, description: 'Servers whose labels carry every one of these (env=prod AND team=db).' })
export class ServerSelectorView {
  @Field(() => [Label])
  labels!: Label[];
}

const selectorView = (selector: ServerSelector): ServerSelectorView =>
  Object.assign(new ServerSelectorView(), {
    labels: Object.entries(selector)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => Object.assign(new Label(), { key, value })),
  });

@ObjectType({
  simpleResolvers: true,
  description:
    'A role: the built-in ADMIN and USER (users.role; not editable), or a custom role of the tenant, whose permissions hold tenant-wide or, with server selectors, only for the servers one of them matches.',
})
export class RoleDefinition {
  @Field(() => ID, { description: 'A custom role’s id; `builtin:admin` and `builtin:user` for the built-in ones.' })
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  description!: string;
  @Field(() => Boolean, { description: 'ADMIN and USER: assigned through a user’s role, not through assignRole.' })
  builtIn!: boolean;
  @Field(() => RoleEnum, { nullable: true, description: 'The built-in role this is; null for a custom role.' })
  builtInRole!: RoleEnum | null;
  @Field(() => [PermissionEnum])
  permissions!: PermissionEnum[];
  @Field(() => [ServerSelectorView], { description: 'Any one of them matching a server is enough (OR of ANDs); empty: the whole tenant.' })
  serverSelectors!: ServerSelectorView[];
  @Field(() => Date, { nullable: true })
  createdAt!: Date | null;
  @Field(() => Date, { nullable: true })
  updatedAt!: Date | null;

  static from(row: RoleRow): RoleDefinition {
    return Object.assign(new RoleDefinition(), {
      id: row.id,
      name: row.name,
      description: row.description,
      builtIn: false,
      builtInRole: null,
      permissions: row.permissions as PermissionEnum[],
      serverSelectors: row.serverSelectors.map(selectorView),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }

  static builtInRoles(): RoleDefinition[] {
    const builtIn = (role: RoleEnum, description: string, permissions: readonly string[]) =>
      Object.assign(new RoleDefinition(), {
        id: `builtin:${role}`,
        name: role.toUpperCase(),
        description,
        builtIn: true,
        builtInRole: role,
        permissions: permissions as PermissionEnum[],
        serverSelectors: [],
        createdAt: null,
        updatedAt: null,
      });
    return [
      builtIn(RoleEnum.ADMIN, 'Sees and manages the whole tenant; holds every permission.', PERMISSIONS),
      builtIn(RoleEnum.USER, 'Sees their own records; permissions granted to them or through custom roles add to it.', []),
    ];
  }
}

@ObjectType({ simpleResolvers: true, description: 'A custom role held by one user or by every member of a group, until expiresAt.' })
export class RoleAssignment {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  roleId!: string;
  @Field(() => ID, { nullable: true, description: 'The user who holds it; null for a group.' })
  userId!: string | null;
  @Field(() => String, { nullable: true, description: 'The group whose members hold it; null for a user.' })
  group!: string | null;
  @Field(() => String, { description: 'Who assigned it: a user id, or the name of a system actor.' })
  grantedBy!: string;
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Field(() => Boolean, { description: 'Not expired: it counts now.' })
  isActive!: boolean;
  @Field(() => Date)
  createdAt!: Date;

  static from(row: RoleAssignmentRow, now: Date): RoleAssignment {
    return Object.assign(new RoleAssignment(), {
      id: row.id,
      roleId: row.roleId,
      userId: row.userId,
      group: row.groupName,
      grantedBy: row.grantedBy,
      expiresAt: row.expiresAt,
      isActive: row.expiresAt === null || row.expiresAt.getTime() > now.getTime(),
      createdAt: row.createdAt,
    });
  }
}

@InputType({ description: 'A server selector: servers whose labels carry every one of these.' })
export class ServerSelectorInput {
  @Field(() => [LabelInput])
  labels!: LabelInput[];
}

@InputType()
export class CreateRoleInput {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => [PermissionEnum])
  permissions!: PermissionEnum[];
  @Field(() => [ServerSelectorInput], {
    nullable: true,
    description:
      'Empty or left out: the permissions hold tenant-wide. Else only for servers one selector matches; such a role may hold only RECORDS_VIEW, SESSION_RECORDINGS_VIEW, MONITORING_VIEW, APPROVALS_DECIDE and AUDIT_LOGS_EXPORT.',
  })
  serverSelectors?: ServerSelectorInput[] | null;
}

@InputType({ description: 'The fields to change; omitted fields keep their value.' })
export class UpdateRoleInput {
  @Field(() => String, { nullable: true })
  name?: string | null;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => [PermissionEnum], { nullable: true })
  permissions?: PermissionEnum[] | null;
  @Field(() => [ServerSelectorInput], { nullable: true })
  serverSelectors?: ServerSelectorInput[] | null;
}
