import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { FileTransferRow } from '../../server/db/tables/index.js';
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

  row!: FileTransferRow;

  static from(row: FileTransferRow): FileTransfer {
    return Object.assign(new FileTransfer(), {
      id: row.id,
      eventId: row.eventId,
      username: row.username,
      groupname: row.groupname,
      direction: row.direction,
      objectName: row.objectName,
      path: row.path,
      sizeBytes: row.sizeBytes,
      status: row.status,
      error: row.error,
      occurredAt: row.occurredAt,
      approvalId: row.approvalId,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class FileTransferConnection extends Connection(FileTransfer, 'FileTransfer') {}
