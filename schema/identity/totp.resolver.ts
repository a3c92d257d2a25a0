import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { requireSelfOrAdmin, requireUser } from '../../server/auth/scope.js';
import { confirmTotpEnrolment, hasTotp, removeTotp, startTotpEnrolment } from '../../server/identity/totp.js';
import { inTransaction } from '../../server/service-context.js';
import { parseOptionalId } from '../../server/validation.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { User } from './user.type.js';

@ObjectType({
  simpleResolvers: true,
  description:
    'A new authenticator secret: scan otpauthUri as a QR code or type the secret into an authenticator app, then confirm with confirmTotpEnrolment. Shown once.',
})
export class TotpEnrolment {
  @Field(() => String, { description: 'The base32 secret, to type into an authenticator.' })
  secret!: string;
  @Field(() => String, { description: 'The otpauth://totp/ URI of the secret, for a QR code.' })
  otpauthUri!: string;
}

@Resolver(() => User)
export class TotpResolver {
  @Mutation(() => TotpEnrolment, {
    description:
      'Starts enrolling an authenticator (TOTP) for step-up approval: scan the URI or type the secret into an authenticator, then confirm with confirmTotpEnrolment. Replaces an unconfirmed enrolment; CONFLICT when one is confirmed (remove it first).',
  })
  async startTotpEnrolment(@Ctx() ctx: GraphQLContext): Promise<TotpEnrolment> {
    requireUser(ctx.actor);
    const enrolment = await inTransaction(serviceContext(ctx), (tx) => startTotpEnrolment(tx, ctx.deps.secretBox));
    return Object.assign(new TotpEnrolment(), enrolment);
  }

  @Mutation(() => Boolean, { description: 'Confirms the pending authenticator with a current 6-digit code from it.' })
  async confirmTotpEnrolment(@Ctx() ctx: GraphQLContext, @Arg('code', () => String) code: string): Promise<boolean> {
    requireUser(ctx.actor);
    await inTransaction(serviceContext(ctx), (tx) => confirmTotpEnrolment(tx, ctx.deps.secretBox, code.replace(/\s+/g, '')));
    return true;
  }

  @Mutation(() => Boolean, {
    description: "Removes an authenticator, confirmed or pending: your own by default, or any user's for admins. False when there was none.",
  })
  async removeTotp(@Ctx() ctx: GraphQLContext, @Arg('userId', () => ID, { nullable: true }) userId?: string | null): Promise<boolean> {
    const caller = requireUser(ctx.actor);
    const targetId = parseOptionalId('userId', userId) ?? caller.userId;
    return inTransaction(serviceContext(ctx), (tx) => removeTotp(tx, targetId));
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the user has a confirmed authenticator (TOTP) for step-up approval. Yourself, or anyone for admins.',
  })
  async hasTotp(@Root() user: User, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    const caller = requireSelfOrAdmin(ctx.actor, user.id);
    return hasTotp(ctx.deps.db, caller.tenantId, user.id);
  }
}
