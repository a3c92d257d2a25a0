import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { canSeeField, recordScope } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getFileTransferInScope, listFileTransfers } from '../../server/records/queries/list-file-transfers.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from './access-session.type.js';
import { FileTransfer, FileTransferConnection } from './file-transfer.type.js';
import { FileTransferFilterInput } from './filters.js';
import { Person } from './person.type.js';
import { loadAccessSession, loadPerson, loadServer } from './references.js';

export const FILE_TRANSFER_FILTER_IDS = ['userId', 'serverId', 'accessSessionId'] as const;

@Resolver(() => FileTransfer)
export class FileTransferResolver {
  @Query(() => FileTransferConnection, { description: 'File transfers, newest first: your own, or the whole tenant for admins.' })
  async fileTransfers(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => FileTransferFilterInput, { nullable: true }) filter?: FileTransferFilterInput | null,
  ): Promise<FileTransferConnection> {
    const scope = recordScope(ctx.actor, 'fileTransfers');
    return toConnection(await listFileTransfers(ctx.reads.db(), scope, parseFilterIds(filter, FILE_TRANSFER_FILTER_IDS), page), FileTransfer.from);
  }

  @Query(() => FileTransfer)
  async fileTransfer(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<FileTransfer> {
    const row = await getFileTransferInScope(ctx.deps.db, recordScope(ctx.actor, 'fileTransfers'), parseId('id', id));
    if (!row) throw new NotFound('File transfer', id);
    return FileTransfer.from(row);
  }

  @FieldResolver(() => Server)
  async server(@Root() transfer: FileTransfer, @Ctx() ctx: GraphQLContext): Promise<Server> {
    return (await loadServer(ctx, transfer.record.serverId))!;
  }

  @FieldResolver(() => Person, { nullable: true })
  user(@Root() transfer: FileTransfer, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, transfer.record.userId);
  }

  @FieldResolver(() => String, { nullable: true, description: "Others' transfers: admins only." })
  remoteIp(@Root() transfer: FileTransfer, @Ctx() ctx: GraphQLContext): string | null {
    return canSeeField(ctx.actor, 'FileTransfer.remoteIp', transfer.record.userId) ? transfer.record.remoteIp : null;
  }

  @FieldResolver(() => AccessSession, { nullable: true })
  accessSession(@Root() transfer: FileTransfer, @Ctx() ctx: GraphQLContext): Promise<AccessSession | null> {
    return loadAccessSession(ctx, transfer.record.accessSessionId);
  }
}
