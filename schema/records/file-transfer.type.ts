import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { FileTransferRecord } from '../../server/records/record-types.js';
import { Connection } from '../common/connection.js';
import { TransferDirectionEnum, TransferStatusEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'A file or directory moved to or from a server.' })
export class FileTransfer {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  eventId!: string;
  @Field(() => String)
  username!: string;
  @Field(() => String, { nullable: true })
  groupname!: string | null;
  @Field(() => TransferDirectionEnum)
  direction!: TransferDirectionEnum;
  @Field(() => String)
  objectName!: string;
  @Field(() => String)
  path!: string;
  @Field(() => Float, { nullable: true, description: 'Bytes moved.' })
  sizeBytes!: number | null;
  @Field(() => TransferStatusEnum)
  status!: TransferStatusEnum;
  @Field(() => String, { nullable: true })
  error!: string | null;
  @Field(() => Date)
  occurredAt!: Date;
  @Field(() => ID, { nullable: true })
  approvalId!: string | null;

  record!: FileTransferRecord;

  static from(record: FileTransferRecord): FileTransfer {
    return Object.assign(new FileTransfer(), {
      id: record.id,
      eventId: record.eventId,
      username: record.username,
      groupname: record.groupname,
      direction: record.direction,
      objectName: record.objectName,
      path: record.path,
      sizeBytes: record.sizeBytes,
      status: record.status,
      error: record.error,
      occurredAt: record.occurredAt,
      approvalId: record.approvalId,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class FileTransferConnection extends Connection(FileTransfer, 'FileTransfer') {}
