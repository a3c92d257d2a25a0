/**
 * Desktop recordings: list and detail, under the recordings' row rule (own, or all with
 * SESSION_RECORDINGS_VIEW); one asked for by id that is someone else's is FORBIDDEN. Agents send
 * the video over HTTP (PUT /recordings/desktop/{sessionEventId}/chunks/{seq}): it is binary.
 */
import { Arg, Args, Ctx, FieldResolver, Float, ID, Query, Resolver, Root } from 'type-graphql';
import { canSeeRow, isStreamCredential, onServer, recordScope } from '../../server/auth/scope.js';
import { desktopRecordingForReader } from '../../server/recordings/desktop-recording-access.js';
import { listDesktopRecordings } from '../../server/recordings/desktop-recording-queries.js';
import { issuePlaybackTicket } from '../../server/recordings/playback-ticket.js';
import { parseFilterIds } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { Person } from '../records/person.type.js';
import { loadPerson, loadServer } from '../records/references.js';
import { DESKTOP_RECORDING_FILTER_IDS, DesktopRecording, DesktopRecordingConnection, DesktopRecordingFilterInput } from './desktop-recording.types.js';

@Resolver(() => DesktopRecording)
export class DesktopRecordingResolver {
  @Query(() => DesktopRecordingConnection, {
    description: 'Desktop recordings, newest first: your own, or every one for admins and holders of SESSION_RECORDINGS_VIEW.',
  })
  async desktopRecordings(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => DesktopRecordingFilterInput, { nullable: true }) filter?: DesktopRecordingFilterInput | null,
  ): Promise<DesktopRecordingConnection> {
    const scope = recordScope(ctx.actor, 'desktopRecordings');
    return toConnection(await listDesktopRecordings(ctx.reads.db(), scope, parseFilterIds(filter, DESKTOP_RECORDING_FILTER_IDS), page), DesktopRecording.from);
  }

  @Query(() => DesktopRecording, { description: "One desktop recording. Another person's is FORBIDDEN without SESSION_RECORDINGS_VIEW." })
  async desktopRecording(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<DesktopRecording> {
    return DesktopRecording.from(await desktopRecordingForReader(ctx.deps.db, ctx.actor, id));
  }

  @FieldResolver(() => Server)
  async server(@Root() recording: DesktopRecording, @Ctx() ctx: GraphQLContext): Promise<Server> {
    return (await loadServer(ctx, recording.record.serverId))!;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The person the agent named, when it could name a Vigil user.' })
  user(@Root() recording: DesktopRecording, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, recording.record.userId);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'A link to the playback page that works in a browser for 10 minutes (it carries a ticket for you), starting `at` seconds in. Null for agents and stream tokens.',
  })
  playbackUrl(@Root() recording: DesktopRecording, @Ctx() ctx: GraphQLContext, @Arg('at', () => Float, { nullable: true }) at?: number | null): string | null {
    if (
      ctx.actor?.type !== 'user' ||
      isStreamCredential(ctx.actor) ||
      !canSeeRow(ctx.actor, 'desktopRecordings', recording.record.userId, onServer(recording.record.serverId))
    )
      return null;
    const ticket = issuePlaybackTicket(ctx.deps.secretBox, ctx.actor, recording.id, ctx.deps.clock.now(), 'desktop_recording');
    const start = at != null && Number.isFinite(at) && at >= 0 ? `&t=${at}` : '';
    return `${ctx.deps.baseUrl()}/recordings/desktop/${recording.id}?ticket=${encodeURIComponent(ticket)}${start}`;
  }
}
