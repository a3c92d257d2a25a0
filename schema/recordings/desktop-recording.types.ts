import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DESKTOP_PROTOCOLS, type DesktopRecordingRecord } from '../../server/recordings/recording-types.js';
import { Connection } from '../common/connection.js';
import { TimeRangeInput } from '../records/filters.js';
import { RecordingGap, RecordingStatusEnum } from './recording.types.js';

export const DesktopProtocolEnum = Object.fromEntries(DESKTOP_PROTOCOLS.map((protocol) => [protocol.toUpperCase(), protocol])) as Record<
  string,
  DesktopRecordingRecord['protocol']
>;
registerEnumType(DesktopProtocolEnum, { name: 'DesktopProtocol', description: 'How the person reached the recorded desktop.' });

@ObjectType({ simpleResolvers: true, description: 'A desktop session recorded as WebM video by the agent of the server it ran on.' })
export class DesktopRecording {
  @Field(() => ID)
  id!: string;
  @Field(() => RecordingStatusEnum)
  status!: RecordingStatusEnum;
  @Field(() => DesktopProtocolEnum)
  protocol!: DesktopRecordingRecord['protocol'];
  @Field(() => String, { nullable: true, description: 'The account on the server the session ran as, as the agent named it.' })
  username!: string | null;
  @Field(() => String, { description: 'The video’s media type, codecs included (video/webm;codecs=vp9).' })
  mediaType!: string;
  @Field(() => Int, { description: 'Pixels.' })
  width!: number;
  @Field(() => Int)
  height!: number;
  @Field(() => Date)
  startedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Set once the recording is complete.' })
  endedAt!: Date | null;
  @Field(() => Float)
  durationSeconds!: number;
  @Field(() => Float, { description: 'Video frames, as the agent counted them.' })
  frameCount!: number;
  @Field(() => Float, { description: 'Bytes of video: the file’s size.' })
  byteCount!: number;
  @Field(() => Int, { description: 'Chunks received (the next chunk number).' })
  chunkCount!: number;
  @Field(() => String, { nullable: true, description: 'Where the agent keeps its own copy, if it does.' })
  filePath!: string | null;
  @Field(() => [RecordingGap])
  gaps!: RecordingGap[];
  @Field(() => String, { description: 'GET it with your bearer token for the WebM file (byte ranges allowed).' })
  downloadPath!: string;

  record!: DesktopRecordingRecord;

  static from(record: DesktopRecordingRecord): DesktopRecording {
    return Object.assign(new DesktopRecording(), {
      id: record.id,
      status: record.status as RecordingStatusEnum,
      protocol: record.protocol,
      username: record.username,
      mediaType: record.mediaType,
      width: record.width,
      height: record.height,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      durationSeconds: record.durationSeconds,
      frameCount: record.frameCount,
      byteCount: record.byteCount,
      chunkCount: record.nextSeq,
      filePath: record.filePath,
      gaps: record.gaps.map((gap) => Object.assign(new RecordingGap(), gap)),
      downloadPath: `/recordings/desktop/${record.id}.webm`,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class DesktopRecordingConnection extends Connection(DesktopRecording, 'DesktopRecording') {}

@InputType({ description: 'Desktop recordings started in the time range, narrowed by server, user, protocol or status.' })
export class DesktopRecordingFilterInput extends TimeRangeInput {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true })
  userId?: string | null;
  @Field(() => DesktopProtocolEnum, { nullable: true })
  protocol?: DesktopRecordingRecord['protocol'] | null;
  @Field(() => RecordingStatusEnum, { nullable: true })
  status?: RecordingStatusEnum | null;
}

export const DESKTOP_RECORDING_FILTER_IDS = ['serverId', 'userId'] as const;
