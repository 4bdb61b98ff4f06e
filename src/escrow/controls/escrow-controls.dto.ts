import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { UUID } from '../../common/uuid.js';

export const EARLY_RELEASE_STATUSES = ['pending', 'released', 'rejected'] as const;
export type EarlyReleaseStatus = (typeof EARLY_RELEASE_STATUSES)[number];

const NOT_BLANK = /\S/;

export class SubOrderIdParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

export class EarlyReleaseIdParamDto {
  @Matches(UUID, { message: 'earlyReleaseId must be a UUID' })
  earlyReleaseId!: string;
}

/** Why a manual hold is placed or lifted (kept on the hold and in the audit log). */
export class EscrowHoldReasonDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class RequestEarlyReleaseDto {
  /** Why the escrow is released before the return window ends (request and audit log). */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;

  /**
   * Ops leader only: release at once even above EARLY_RELEASE_APPROVAL_ABOVE_PAISE, without a second
   * approver (audited as an override).
   */
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

export class ApproveEarlyReleaseDto {
  /** Optional note of the approver; required with `override`. */
  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;

  /** Ops leader only: approve a request they proposed themselves (audited as an override). */
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

export class RejectEarlyReleaseDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class EarlyReleaseQueryDto extends PageQueryDto {
  /** Only requests in this state (the approval queue is `pending`). */
  @IsOptional()
  @IsIn(EARLY_RELEASE_STATUSES)
  status?: EarlyReleaseStatus;
}

export class ManualHoldDto {
  id!: string;
  reason!: string;
  /** User id of the staff member who placed it. */
  placedBy!: string;
  placedAt!: string;
  liftReason!: string | null;
  liftedBy!: string | null;
  liftedAt!: string | null;
}

/** A sub-order's escrow hold with its manual holds, newest first. */
export class EscrowHoldControlDto {
  subOrderId!: string;
  orderId!: string;
  dealerId!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise held' })
  amountPaise!: number;
  @ApiProperty({ enum: ['held', 'released', 'refunded'] })
  status!: string;
  /** True while a manual hold is active: the release job and early release skip this escrow. */
  onManualHold!: boolean;
  @ApiProperty({ type: [ManualHoldDto] })
  manualHolds!: ManualHoldDto[];
}

/** A repair job's escrow hold, as staff control it. */
export class RepairJobHoldDto {
  id!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise of the hold' })
  amountPaise!: number;
  @ApiProperty({ enum: ['held', 'released', 'refunded'] })
  status!: string;
}

/** A repair job's escrow (every hold of it, one per payment) with its manual holds, newest first. */
export class RepairJobEscrowControlDto {
  repairJobId!: string;
  technicianId!: string | null;
  /** The job's status (its escrow is due once `confirmed`). */
  repairJobStatus!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise still held over its holds' })
  heldPaise!: number;
  @ApiProperty({ type: [RepairJobHoldDto] })
  holds!: RepairJobHoldDto[];
  /** True while a manual hold is active: the release job and early release skip this escrow. */
  onManualHold!: boolean;
  @ApiProperty({ type: [ManualHoldDto] })
  manualHolds!: ManualHoldDto[];
}

/** An early release of a sub-order's escrow (`subOrderId`, its order and dealer) or a repair job's (`repairJobId`, its technician). */
export class EarlyReleaseDto {
  id!: string;
  subOrderId!: string | null;
  orderId!: string | null;
  dealerId!: string | null;
  repairJobId!: string | null;
  technicianId!: string | null;
  @ApiProperty({
    type: 'integer',
    description: 'Integer paise of the escrow hold (a repair job: held over its holds)',
  })
  amountPaise!: number;
  @ApiProperty({ enum: EARLY_RELEASE_STATUSES })
  status!: EarlyReleaseStatus;
  reason!: string;
  /** Whether it was above EARLY_RELEASE_APPROVAL_ABOVE_PAISE (a second approver was needed). */
  needsApproval!: boolean;
  requestedBy!: string;
  requestedAt!: string;
  /** Who released or rejected it (the requester, for an immediate release). */
  decidedBy!: string | null;
  decidedAt!: string | null;
  decisionReason!: string | null;
  /** An ops leader released it without a second approver. */
  override!: boolean;
}

export class EarlyReleasePageDto {
  @ApiProperty({ type: [EarlyReleaseDto] })
  items!: EarlyReleaseDto[];
  nextCursor?: string;
}
