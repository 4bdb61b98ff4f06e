import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { MASK_KINDS, type MaskKind } from '../domain/contact-masking.js';
import { ROOM_KINDS, type MessageKind, type RoomKind } from '../chat-store.js';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;
/** A client message id: what the client generated for one message (a UUID is fine). */
export const CLIENT_MESSAGE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const HISTORY_LIMIT_MAX = 200;

export class RoomParamDto {
  @ApiProperty({ enum: ROOM_KINDS })
  @IsIn(ROOM_KINDS)
  kind!: RoomKind;

  /** The repair job's id (`job`) or the sub-order's (`sub_order`). */
  @Matches(UUID, { message: 'subjectId must be a UUID' })
  subjectId!: string;
}

export class MessageIdParamDto {
  @Matches(UUID, { message: 'messageId must be a UUID' })
  messageId!: string;
}

/** At most one of `before`, `after`, `around` (a seq); none: the newest messages. */
export class HistoryQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  around?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: HISTORY_LIMIT_MAX, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_LIMIT_MAX)
  limit: number = 50;
}

export class SendMessageDto {
  /** The client's id for this message: a resend with the same id returns the first (same seq). */
  @Matches(CLIENT_MESSAGE_ID, { message: 'clientMessageId must be 1–64 of A-Z a-z 0-9 . _ : -' })
  clientMessageId!: string;

  /** The text (at most CHAT_MESSAGE_MAX_CHARS characters; checked by the service). */
  @IsString()
  @Length(1, 20_000)
  @Matches(NOT_BLANK, { message: 'body must not be blank' })
  body!: string;
}

export class ReceiptInputDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  deliveredSeq!: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  readSeq!: number;
}

export class ReasonDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class MaskingInputDto extends ReasonDto {
  /** false: contact details are no longer masked in this room (staff, audited). */
  @IsBoolean()
  masking!: boolean;
}

export class AttachmentDto {
  /** image/jpeg, image/png, image/webp, video/mp4 or video/webm (read from the bytes). */
  type!: string;
  @ApiProperty({ type: 'integer' })
  bytes!: number;
  /** GET it with the Bearer token (room members and staff only); it takes Range requests. */
  url!: string;
  /** Images: a JPEG thumbnail (at most 320 × 320). */
  thumbnailUrl!: string | null;
}

export class AttachmentQueryDto {
  /** The image's thumbnail instead of the file. */
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  thumbnail?: 'true' | 'false';
}

export class ChatMessageDto {
  id!: string;
  /** `job:<repairJobId>` or `sub_order:<subOrderId>`. */
  room!: string;
  @ApiProperty({ type: 'integer' })
  seq!: number;
  /** Null for a system message. */
  senderId!: string | null;
  clientMessageId!: string | null;
  @ApiProperty({ enum: ['text', 'attachment', 'system'] })
  kind!: MessageKind;
  /** The text as stored (contact details masked); null when staff hid it (staff see it still). */
  body!: string | null;
  /** What was masked in it. */
  @ApiProperty({ enum: MASK_KINDS, isArray: true })
  masked!: MaskKind[];
  hidden!: boolean;
  /** Staff only: why it was hidden. */
  @ApiPropertyOptional({ type: String, nullable: true })
  hiddenReason?: string | null;
  @ApiProperty({ type: AttachmentDto, nullable: true })
  attachment!: AttachmentDto | null;
  createdAt!: string;
}

export class ChatPageDto {
  /** Oldest first. */
  @ApiProperty({ type: [ChatMessageDto] })
  items!: ChatMessageDto[];
  @ApiProperty({ type: 'integer' })
  lastSeq!: number;
}

export class SendResultDto {
  @ApiProperty({ type: ChatMessageDto })
  message!: ChatMessageDto;
  /** True when this client message id was sent before: the first message is returned. */
  duplicate!: boolean;
  /** What was masked in the text (the sender's notice); empty when nothing was. */
  @ApiProperty({ enum: MASK_KINDS, isArray: true })
  notice!: MaskKind[];
}

export class ReceiptDto {
  room!: string;
  userId!: string;
  @ApiProperty({ type: 'integer' })
  deliveredSeq!: number;
  @ApiProperty({ type: 'integer' })
  readSeq!: number;
}

export class ChatRoomDto {
  /** `job:<repairJobId>` or `sub_order:<subOrderId>`. */
  room!: string;
  @ApiProperty({ enum: ROOM_KINDS })
  kind!: RoomKind;
  subjectId!: string;
  @ApiProperty({ type: 'integer' })
  lastSeq!: number;
  @ApiProperty({ type: 'integer' })
  deliveredSeq!: number;
  @ApiProperty({ type: 'integer' })
  readSeq!: number;
  masking!: boolean;
}

export class ChatRoomListDto {
  @ApiProperty({ type: [ChatRoomDto] })
  items!: ChatRoomDto[];
}

export class ReportResultDto {
  /** False when this account had reported the message already. */
  reported!: boolean;
}

export const REPORT_STATUSES = ['open', 'resolved'] as const;
export const REPORT_ACTIONS = ['dismiss', 'hide'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

export class ReportIdParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

export class ChatReportsQueryDto extends PageQueryDto {
  /** Open or resolved only (default: both, open first). */
  @ApiPropertyOptional({ enum: REPORT_STATUSES })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: (typeof REPORT_STATUSES)[number];
}

export class ResolveReportDto extends ReasonDto {
  /** `dismiss`: the message stays; `hide`: the message is hidden (as `POST /chat/messages/{messageId}/hide`). */
  @ApiProperty({ enum: REPORT_ACTIONS })
  @IsIn(REPORT_ACTIONS)
  action!: ReportAction;
}

export class ChatReportResolutionDto {
  @ApiProperty({ enum: REPORT_ACTIONS })
  action!: ReportAction;
  reason!: string;
  resolvedBy!: string;
  resolvedAt!: string;
}

/** A reported message as staff see it: the report, the message and its room. */
export class ChatReportDto {
  id!: string;
  reporterId!: string;
  reporterName!: string | null;
  reason!: string;
  reportedAt!: string;
  messageId!: string;
  /** The message's text (or caption) as stored, hidden or not. */
  body!: string;
  /** An attachment's type (`image/jpeg`, `video/mp4`, …), or null. */
  attachmentType!: string | null;
  messageSenderId!: string | null;
  messageAt!: string;
  @ApiProperty({ enum: ROOM_KINDS })
  roomKind!: RoomKind;
  roomSubjectId!: string;
  hidden!: boolean;
  @ApiProperty({ type: ChatReportResolutionDto, nullable: true })
  resolution!: ChatReportResolutionDto | null;
}

export class ChatReportPageDto {
  @ApiProperty({ type: [ChatReportDto] })
  items!: ChatReportDto[];
  nextCursor?: string;
}
