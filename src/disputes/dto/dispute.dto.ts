import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { DISPUTE_STATUSES, type DisputeStatus } from '../domain/dispute-state.js';
import { UUID } from '../../common/uuid.js';

export const DISPUTE_KINDS = ['return', 'dispute'] as const;
export type DisputeKind = (typeof DISPUTE_KINDS)[number];
export const DISPUTE_OUTCOMES = ['release', 'full_refund', 'partial_refund'] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];
export const EVIDENCE_ROLES = ['buyer', 'dealer', 'technician', 'staff'] as const;
/**
 * Why a repair is disputed: `not_fixed` (the fault is still there), `fault_returned` (it came back),
 * `device_damaged` (something else broke), `overcharged` (not the work quoted), `other`.
 */
export const REPAIR_DISPUTE_REASONS = [
  'not_fixed',
  'fault_returned',
  'device_damaged',
  'overcharged',
  'other',
] as const;
export type RepairDisputeReason = (typeof REPAIR_DISPUTE_REASONS)[number];

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class OpenDisputeDto {
  /** `return`: the part goes back (from delivered); `dispute`: anything else wrong (also from shipped). */
  @ApiProperty({ enum: DISPUTE_KINDS })
  @IsIn(DISPUTE_KINDS)
  kind!: DisputeKind;

  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

export class OpenRepairDisputeDto {
  @ApiProperty({ enum: REPAIR_DISPUTE_REASONS })
  @IsIn(REPAIR_DISPUTE_REASONS)
  reason!: RepairDisputeReason;

  /** What is wrong, in the customer's words (evidence goes to `POST /disputes/{id}/evidence`). */
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  description!: string;
}

export class DisputeIdParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

export class DisputeEvidenceParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;

  @Matches(UUID, { message: 'evidenceId must be a UUID' })
  evidenceId!: string;
}

export class DisputeResponseDto {
  /** The dealer's or technician's answer (kept on the dispute). */
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  message!: string;
}

export class ResolveDisputeDto {
  /**
   * `release`: the dealer is paid (the sub-order completes) or the technician (the repair job is
   * confirmed); `full_refund`: the buyer gets the whole escrow back (the sub-order or the repair job
   * is cancelled); `partial_refund`: `refundPaise` goes back to the buyer and the rest is released to
   * the dealer or technician.
   */
  @ApiProperty({ enum: DISPUTE_OUTCOMES })
  @IsIn(DISPUTE_OUTCOMES)
  outcome!: DisputeOutcome;

  /** For `partial_refund` only: more than 0 and less than the held amount, in paise. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  refundPaise?: number;

  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

/** `a,b` and repeated parameters alike become `['a', 'b']`. */
const listOf = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' || Array.isArray(value)
    ? ([] as unknown[])
        .concat(value)
        .flatMap((v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()) : [v]))
    : value;

/** What a dispute is about: a part of an order (a sub-order) or a repair job. */
export const DISPUTE_SUBJECTS = ['order', 'repair'] as const;
export type DisputeSubject = (typeof DISPUTE_SUBJECTS)[number];

/** The filters of a dispute list: staff's (every dispute) and a buyer's (its own). */
export class DisputeQueryDto extends PageQueryDto {
  /**
   * One or more statuses, repeated (`status=open&status=responded`) or comma-separated
   * (`status=open,responded`): `open` (waiting for the dealer's answer), `responded` (the dealer
   * answered; waiting for staff), `resolved`. Every unresolved one: `open` and `responded`. All
   * when absent.
   */
  @ApiPropertyOptional({ enum: DISPUTE_STATUSES, isArray: true })
  @IsOptional()
  @Transform(listOf)
  @IsIn(DISPUTE_STATUSES, { each: true })
  status?: DisputeStatus[];

  /**
   * `order`: disputes of parts (a sub-order of an order, `orderId` set); `repair`: of repair jobs
   * (`repairJobId` set). Both when absent. (Not `kind`: a dispute's `kind` is `return` or
   * `dispute`.)
   */
  @ApiPropertyOptional({ enum: DISPUTE_SUBJECTS })
  @IsOptional()
  @IsIn(DISPUTE_SUBJECTS)
  subject?: DisputeSubject;

  /** The disputes of this order's parts. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId?: string;

  /** The disputes of this repair job. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, { message: 'repairJobId must be a UUID' })
  repairJobId?: string;
}

export class DisputeEvidenceDto {
  id!: string;
  contentType!: string;
  @ApiProperty({ type: 'integer' })
  byteSize!: number;
  sha256!: string;
  uploadedBy!: string;
  @ApiProperty({ enum: EVIDENCE_ROLES })
  role!: (typeof EVIDENCE_ROLES)[number];
  createdAt!: string;
  /** Where its parties download the bytes (`GET /disputes/{id}/evidence/{evidenceId}`). */
  url!: string;
}

/** A dispute of a part (`subOrderId`, its order and dealer) or of a repair (`repairJobId`, its technician). */
export class DisputeDto {
  id!: string;
  orderId!: string | null;
  subOrderId!: string | null;
  repairJobId!: string | null;
  /** Who paid: the order's buyer, the repair job's customer. */
  buyerId!: string;
  dealerId!: string | null;
  technicianId!: string | null;
  /** A repair's dispute is always `dispute`. */
  @ApiProperty({ enum: DISPUTE_KINDS })
  kind!: DisputeKind;
  /** A part's: the buyer's words; a repair's: one of `not_fixed`, `fault_returned`, `device_damaged`, `overcharged`, `other`. */
  reason!: string;
  /** A repair's dispute: the customer's description (null for a part). */
  description!: string | null;
  /**
   * `open`: opened, waiting for the dealer's (technician's) answer; `responded`: answered, waiting
   * for staff; `resolved`: staff decided (`resolution`). Only `resolved` is final.
   */
  @ApiProperty({ enum: DISPUTE_STATUSES })
  status!: DisputeStatus;
  /** A part's dispute: the dealer's latest answer. */
  dealerResponse!: string | null;
  /** A repair's dispute: the technician's latest answer. */
  technicianResponse!: string | null;
  respondedAt!: string | null;
  @ApiProperty({ enum: DISPUTE_OUTCOMES, nullable: true })
  resolution!: DisputeOutcome | null;
  @ApiProperty({ type: 'integer', nullable: true })
  refundPaise!: number | null;
  resolutionReason!: string | null;
  resolvedBy!: string | null;
  resolvedAt!: string | null;
  createdAt!: string;
  @ApiProperty({ type: [DisputeEvidenceDto] })
  evidence!: DisputeEvidenceDto[];
}

export class DisputeListDto {
  @ApiProperty({ type: [DisputeDto] })
  items!: DisputeDto[];
  nextCursor!: string | null;
}
