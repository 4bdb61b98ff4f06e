import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { CALL_STATUSES, type CallStatus } from '../domain/call-state.js';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;

export const CALL_KINDS = ['audio', 'video'] as const;

export class StartCallDto {
  @ApiProperty({ enum: CALL_KINDS })
  @IsIn(CALL_KINDS)
  kind!: (typeof CALL_KINDS)[number];
}

export class CallIdParamDto {
  @Matches(UUID, { message: 'callId must be a UUID' })
  callId!: string;
}

/** Staff say why they join a call (audited). */
export class StaffJoinCallDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

/** How to connect to a call's room: the LiveKit URL, the room and my token (valid 10 minutes). */
export class CallConnectionDto {
  callId!: string;
  room!: string;
  /** The LiveKit server's URL. */
  url!: string;
  /** My LiveKit access token: join this room only, publish and subscribe; expires in 10 minutes. */
  token!: string;
}

/** Someone in the call's room, from LiveKit's webhooks (null: that event was not received). */
export class CallParticipantDto {
  userId!: string;
  joinedAt!: string | null;
  leftAt!: string | null;
}

/** A call and its log. */
export class CallDto {
  id!: string;
  repairJobId!: string;
  @ApiProperty({ enum: CALL_KINDS })
  kind!: (typeof CALL_KINDS)[number];
  @ApiProperty({ enum: CALL_STATUSES })
  status!: CallStatus;
  callerId!: string;
  calleeId!: string;
  createdAt!: string;
  answeredAt!: string | null;
  endedAt!: string | null;
  /** Who ended it (null: nobody yet, or the system: missed, room finished, a right lost). */
  endedBy!: string | null;
  /** `declined`, `missed`, `cancelled` (the caller hung up while ringing), `hung_up`, `room_finished`, `job_reassigned`, `technician_withdrew`, `job_ended`, `account_suspended`, `account_blocked`, `room_unavailable`. */
  endReason!: string | null;
  /** From the answer to the end (null unless answered and ended). */
  durationSeconds!: number | null;
  @ApiProperty({ type: [CallParticipantDto] })
  participants!: CallParticipantDto[];
}

/** Staff's list of calls: by job, status and when they started. */
export class AdminCallsQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(UUID, { message: 'repairJobId must be a UUID' })
  repairJobId?: string;

  @ApiPropertyOptional({ enum: CALL_STATUSES })
  @IsOptional()
  @IsIn(CALL_STATUSES)
  status?: CallStatus;

  @ApiPropertyOptional({ description: 'Started at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'Started before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;
}

export class CallPageDto {
  @ApiProperty({ type: [CallDto] })
  items!: CallDto[];
  nextCursor?: string;
}
