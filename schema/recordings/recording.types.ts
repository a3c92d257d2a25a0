import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { TerminalRecordingRecord } from '../../server/recordings/recording-types.js';
import { Connection } from '../common/connection.js';

export enum RecordingStatusEnum {
  RECORDING = 'recording',
  COMPLETE = 'complete',
}
registerEnumType(RecordingStatusEnum, { name: 'RecordingStatus', description: 'RECORDING: the agent is still sending it; COMPLETE: its final chunk arrived.' });

export enum RecordingStreamEnum {
  OUTPUT = 'output',
  INPUT = 'input',
}
registerEnumType(RecordingStreamEnum, { name: 'RecordingStream', description: 'What the terminal showed (OUTPUT) or what was typed (INPUT).' });

export enum RecordingEventCodeEnum {
  OUTPUT = 'o',
  INPUT = 'i',
  RESIZE = 'r',
  MARKER = 'm',
}
registerEnumType(RecordingEventCodeEnum, { name: 'RecordingEventCode', description: 'The asciicast v2 event codes: o, i, r (data COLSxROWS) and m.' });

@ObjectType({ simpleResolvers: true, description: 'Chunks the agent declared lost: playback jumps from afterSeconds to the next event.' })
export class RecordingGap {
  @Field(() => Int)
  fromSeq!: number;
  @Field(() => Int)
  toSeq!: number;
  @Field(() => Float)
  afterSeconds!: number;
}

@ObjectType({ simpleResolvers: true, description: 'An asciicast v2 recording of a terminal session.' })
export class TerminalRecording {
  @Field(() => ID)
  id!: string;
  @Field(() => RecordingStatusEnum)
  status!: RecordingStatusEnum;
  @Field(() => Int, { description: 'Columns, from the header (resize events may change it during the session).' })
  width!: number;
  @Field(() => Int)
  height!: number;
  @Field(() => Date)
  startedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Set once the recording is complete.' })
  endedAt!: Date | null;
  @Field(() => Float, { description: 'Offset of the last event, in seconds.' })
  durationSeconds!: number;
  @Field(() => Float, { description: 'UTF-8 bytes typed (input events).' })
  bytesIn!: number;
  @Field(() => Float, { description: 'UTF-8 bytes shown (output events).' })
  bytesOut!: number;
  @Field(() => Float)
  eventCount!: number;
  @Field(() => Int, { description: 'Chunks received (the next chunk number).' })
  chunkCount!: number;
  @Field(() => Float, { description: 'Compressed bytes stored.' })
  storedBytes!: number;
  @Field(() => String, { nullable: true })
  command!: string | null;
  @Field(() => String, { nullable: true })
  title!: string | null;
  @Field(() => String, { nullable: true, description: 'env.SHELL of the header.' })
  shell!: string | null;
  @Field(() => String, { nullable: true, description: 'env.TERM of the header.' })
  term!: string | null;
  @Field(() => GraphQLJSONObject, { description: "The header's env (string values)." })
  env!: Record<string, string>;
  @Field(() => [RecordingGap])
  gaps!: RecordingGap[];
  @Field(() => String, { description: 'GET it with your bearer token for the asciicast v2 file.' })
  downloadPath!: string;

  record!: TerminalRecordingRecord;

  static from(record: TerminalRecordingRecord): TerminalRecording {
    return Object.assign(new TerminalRecording(), {
      id: record.id,
      status: record.status as RecordingStatusEnum,
      width: record.width,
      height: record.height,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      durationSeconds: record.durationSeconds,
      bytesIn: record.bytesIn,
      bytesOut: record.bytesOut,
      eventCount: record.eventCount,
      chunkCount: record.nextSeq,
      storedBytes: record.storedBytes,
      command: record.command,
      title: record.title,
      shell: record.env.SHELL ?? null,
      term: record.env.TERM ?? null,
      env: record.env,
      gaps: record.gaps.map((gap) => Object.assign(new RecordingGap(), gap)),
      downloadPath: `/recordings/${record.id}.cast`,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class TerminalRecordingConnection extends Connection(TerminalRecording, 'TerminalRecording') {}

@ObjectType({ simpleResolvers: true, description: 'One place a searched string appears in a recording.' })
export class RecordingMatch {
  @Field(() => Float, { description: 'Offset in seconds of the event that wrote the match: where to start playback.' })
  seconds!: number;
  @Field(() => RecordingStreamEnum)
  stream!: RecordingStreamEnum;
  @Field(() => String, { description: 'The match with up to 40 characters either side, on one line.' })
  excerpt!: string;
}

@ObjectType({ simpleResolvers: true })
export class RecordingSearchHit {
  @Field(() => TerminalRecording)
  recording!: TerminalRecording;
  @Field(() => [RecordingMatch], { description: 'In time order.' })
  matches!: RecordingMatch[];
}

@ObjectType({ simpleResolvers: true })
export class RecordingSearchConnection extends Connection(RecordingSearchHit, 'RecordingSearchHit') {}

@ObjectType({ simpleResolvers: true, description: 'One asciicast v2 event.' })
export class RecordingEvent {
  @Field(() => Float)
  seconds!: number;
  @Field(() => RecordingEventCodeEnum)
  code!: RecordingEventCodeEnum;
  @Field(() => String)
  data!: string;
}

@ObjectType({ simpleResolvers: true, description: 'Events of a recording as they arrive (a chunk at a time).' })
export class RecordingEvents {
  @Field(() => ID)
  recordingId!: string;
  @Field(() => Int)
  seq!: number;
  @Field(() => [RecordingEvent])
  events!: RecordingEvent[];
  @Field(() => Boolean, { description: 'The last chunk: the subscription ends after it.' })
  isComplete!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'What became of an appended chunk.' })
export class RecordingChunkReceipt {
  @Field(() => ID)
  recordingId!: string;
  @Field(() => Int)
  seq!: number;
  @Field(() => Boolean, { description: 'The chunk had been stored before: nothing changed.' })
  isDuplicate!: boolean;
  @Field(() => Int, { description: 'The number the next chunk must carry.' })
  nextSeq!: number;
  @Field(() => Float)
  eventCount!: number;
  @Field(() => Float)
  durationSeconds!: number;
  @Field(() => Boolean)
  isComplete!: boolean;
  @Field(() => RecordingGap, { nullable: true, description: 'The chunks this append declared lost.' })
  gap!: RecordingGap | null;
}
