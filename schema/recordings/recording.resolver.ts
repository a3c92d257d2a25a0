/**
 * Terminal recordings: list, detail, search, the agent's append, and live follow. Recordings
 * follow the terminal-session row rule (own, or all with SESSION_RECORDINGS_VIEW); one asked for
 * by id that is someone else's is FORBIDDEN.
 */
import { recordAuditView } from '../../server/audit/record-view.js';
import { Arg, Args, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { canSeeRow, isStreamCredential, onServer, recordScope, requireAgent } from '../../server/auth/scope.js';
import { appendRecordingChunk } from '../../server/recordings/append-chunk.js';
import { issuePlaybackTicket } from '../../server/recordings/playback-ticket.js';
import { recordingForReader } from '../../server/recordings/recording-access.js';
import { listRecordings } from '../../server/recordings/recording-queries.js';
import { DEFAULT_MATCHES_PER_RECORDING, searchRecordings } from '../../server/recordings/search-recordings.js';
import { Forbidden } from '../../server/errors.js';
import { parseFilterIds } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { Person } from '../records/person.type.js';
import { loadPerson, loadServer } from '../records/references.js';
import { TerminalSession } from '../records/terminal-session.type.js';
import { followRecording } from './follow-recording.js';
import { RECORDING_FILTER_IDS, TerminalRecordingFilterInput } from './recording-filter.js';
import {
  RecordingChunkReceipt,
  RecordingEvents,
  RecordingGap,
  RecordingMatch,
  RecordingSearchConnection,
  RecordingSearchHit,
  RecordingStreamEnum,
  TerminalRecording,
  TerminalRecordingConnection,
} from './recording.types.js';

type Data = SubscribeResolverData<unknown, Record<string, unknown>, GraphQLContext>;

@Resolver(() => TerminalRecording)
export class TerminalRecordingResolver {
  @Query(() => TerminalRecordingConnection, {
    description: 'Terminal recordings, newest first: your own, or every one for admins and holders of SESSION_RECORDINGS_VIEW.',
  })
  async terminalRecordings(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => TerminalRecordingFilterInput, { nullable: true }) filter?: TerminalRecordingFilterInput | null,
  ): Promise<TerminalRecordingConnection> {
    const scope = recordScope(ctx.actor, 'terminalRecordings');
    return toConnection(await listRecordings(ctx.reads.db(), scope, parseFilterIds(filter, RECORDING_FILTER_IDS), page), TerminalRecording.from);
  }

  @Query(() => TerminalRecording, { description: "One recording. Another person's is FORBIDDEN without SESSION_RECORDINGS_VIEW." })
  async terminalRecording(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<TerminalRecording> {
    return TerminalRecording.from(await recordingForReader(ctx.deps.db, ctx.actor, id));
  }

  @Query(() => RecordingSearchConnection, {
    description:
      'Recordings whose output or typed input contains `text` (case-insensitive, up to 200 characters), newest first, each with where it appears (seconds into the recording).',
  })
  async searchTerminalRecordings(
    @Ctx() ctx: GraphQLContext,
    @Arg('text', () => String) text: string,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => TerminalRecordingFilterInput, { nullable: true }) filter?: TerminalRecordingFilterInput | null,
    @Arg('matchesPerRecording', () => Int, { defaultValue: DEFAULT_MATCHES_PER_RECORDING }) matchesPerRecording: number = DEFAULT_MATCHES_PER_RECORDING,
  ): Promise<RecordingSearchConnection> {
    const scope = recordScope(ctx.actor, 'terminalRecordings');
    const filterIds = parseFilterIds(filter, RECORDING_FILTER_IDS);
    const hits = await searchRecordings(ctx.deps.db, scope, filterIds, text, page, matchesPerRecording);
    // Searching recorded content reads it (typed input included): recorded like viewing a recording.
    await recordAuditView(serviceContext(ctx), 'recording.searched', 'terminal_recording', { text, filter: filterIds, recordings: hits.nodes.length });
    return toConnection(hits, (hit) =>
      Object.assign(new RecordingSearchHit(), {
        recording: TerminalRecording.from(hit.recording),
        matches: hit.matches.map((match) => Object.assign(new RecordingMatch(), { ...match, stream: match.stream as RecordingStreamEnum })),
      }),
    );
  }

  @Mutation(() => RecordingChunkReceipt, {
    description:
      "Agents: append chunk `seq` of a terminal session's asciicast v2 recording (chunk 0 starts with the header line). Re-sending a chunk is harmless; a gap is a CONFLICT naming the expected number unless declareGap says the chunks between were lost. The HTTP form is PUT /recordings/sessions/{sessionEventId}/chunks/{seq}.",
  })
  async appendRecordingChunk(
    @Ctx() ctx: GraphQLContext,
    @Arg('sessionEventId', () => String, { description: 'The id the agent gave the session in TERMINAL_SESSION_STARTED.' }) sessionEventId: string,
    @Arg('seq', () => Int) seq: number,
    @Arg('lines', () => String, { description: 'Asciicast v2 lines, newline-separated.' }) lines: string,
    @Arg('isFinal', () => Boolean, { defaultValue: false }) isFinal: boolean,
    @Arg('declareGap', () => Boolean, { defaultValue: false }) declareGap: boolean,
  ): Promise<RecordingChunkReceipt> {
    const actor = requireAgent(ctx.actor);
    const receipt = await appendRecordingChunk({ ...serviceContext(ctx), actor }, { sessionEventId, seq, lines, isFinal, isGapDeclared: declareGap });
    return Object.assign(new RecordingChunkReceipt(), {
      ...receipt,
      gap: receipt.gap ? Object.assign(new RecordingGap(), receipt.gap) : null,
    });
  }

  @Subscription(() => RecordingEvents, {
    subscribe: (data: Data) => followRecording(data.context, String(data.args.recordingId), Number(data.args.afterSeq ?? -1)),
    description:
      'Follow a recording: its stored chunks after `afterSeq` (all of them by default), then new ones as the agent sends them, until the final chunk.',
  })
  recordingEvents(
    @Root() events: RecordingEvents | Forbidden,
    @Arg('recordingId', () => ID) _recordingId: string,
    @Arg('afterSeq', () => Int, { defaultValue: -1 }) _afterSeq: number,
  ): RecordingEvents {
    // A follow refused on the way (follow-recording.ts) ends with this error.
    if (events instanceof Forbidden) throw events;
    return events;
  }

  @FieldResolver(() => Server)
  async server(@Root() recording: TerminalRecording, @Ctx() ctx: GraphQLContext): Promise<Server> {
    return (await loadServer(ctx, recording.record.serverId))!;
  }

  @FieldResolver(() => Person, { nullable: true, description: "The session's operator." })
  user(@Root() recording: TerminalRecording, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, recording.record.userId);
  }

  @FieldResolver(() => TerminalSession)
  async terminalSession(@Root() recording: TerminalRecording, @Ctx() ctx: GraphQLContext): Promise<TerminalSession> {
    return TerminalSession.from((await ctx.loaders.terminalSessionById.load(recording.record.terminalSessionId))!);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'A link to the playback page that works in a browser for 10 minutes (it carries a ticket for you), starting `at` seconds in. Null for agents and stream tokens.',
  })
  playbackUrl(@Root() recording: TerminalRecording, @Ctx() ctx: GraphQLContext, @Arg('at', () => Float, { nullable: true }) at?: number | null): string | null {
    if (
      ctx.actor?.type !== 'user' ||
      isStreamCredential(ctx.actor) ||
      !canSeeRow(ctx.actor, 'terminalRecordings', recording.record.userId, onServer(recording.record.serverId))
    )
      return null;
    const ticket = issuePlaybackTicket(ctx.deps.secretBox, ctx.actor, recording.id, ctx.deps.clock.now());
    const start = at != null && Number.isFinite(at) && at >= 0 ? `&t=${at}` : '';
    return `${ctx.deps.baseUrl()}/recordings/${recording.id}?ticket=${encodeURIComponent(ticket)}${start}`;
  }
}

@Resolver(() => TerminalSession)
export class TerminalSessionRecordingResolver {
  @FieldResolver(() => TerminalRecording, { nullable: true, description: "The session's recording, when its agent sent one." })
  async recording(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): Promise<TerminalRecording | null> {
    const row = await ctx.loaders.recordingBySessionId.load(session.id);
    return row && canSeeRow(ctx.actor, 'terminalRecordings', row.userId, onServer(row.serverId)) ? TerminalRecording.from(row) : null;
  }
}
