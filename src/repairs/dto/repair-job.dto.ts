import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { MEDIA_CONTENT_TYPES, type MediaContentType } from '../../common/media/media-type.js';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsLatitude,
  IsLongitude,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { IsImei } from '../../common/imei.js';
import { TECHNICIAN_KINDS, type TechnicianKind } from '../../common/roles.js';
import { REPAIR_JOB_STATUSES, type RepairJobStatus } from '../domain/repair-job-state.js';
import {
  GST_RATES_BPS,
  MAX_REPAIR_JOB_PAISE,
  QUOTE_LINE_KINDS,
  type QuoteLineKind,
} from '../domain/repair-quote.js';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;
export const REPAIR_MODES = ['offline', 'online'] as const;

export class RepairLocationDto {
  @IsLatitude()
  lat!: number;

  @IsLongitude()
  lng!: number;
}

/**
 * A repair request: the device and its problem, where (offline: at the customer's location, which
 * is required; online: remote) and when the customer would like it. The IMEI is not taken here.
 */
export class CreateRepairJobDto {
  @ApiProperty({ enum: TECHNICIAN_KINDS })
  @IsIn(TECHNICIAN_KINDS)
  kind!: TechnicianKind;

  @ApiProperty({ enum: REPAIR_MODES })
  @IsIn(REPAIR_MODES)
  mode!: (typeof REPAIR_MODES)[number];

  @IsString()
  @Length(1, 60)
  @Matches(NOT_BLANK, { message: 'deviceBrand must not be blank' })
  deviceBrand!: string;

  @IsString()
  @Length(1, 80)
  @Matches(NOT_BLANK, { message: 'deviceModel must not be blank' })
  deviceModel!: string;

  @IsString()
  @Length(5, 2000)
  @Matches(NOT_BLANK, { message: 'problem must not be blank' })
  problem!: string;

  /** Required for `offline` jobs: where the technician comes. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RepairLocationDto)
  location?: RepairLocationDto;

  @IsOptional()
  @IsString()
  @Length(5, 500)
  address?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  preferredFrom?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  preferredTo?: string;

  /**
   * A hardware job: the technician the customer picked from the nearby list, offered the job first
   * when still eligible (else matching goes on as without it).
   */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, { message: 'preferredTechnicianId must be a UUID' })
  preferredTechnicianId?: string;

  /**
   * A software job: the phone's IMEI (15 digits, Luhn), kept encrypted; revealed only to the
   * assigned technician under the customer's consent (README "Remote repair").
   */
  @ApiPropertyOptional({ description: '15 digits with a valid Luhn check digit' })
  @IsOptional()
  @IsImei()
  imei?: string;
}

export class RepairJobIdParamDto {
  @Matches(UUID, { message: 'repairJobId must be a UUID' })
  repairJobId!: string;
}

export class RepairMediaParamDto extends RepairJobIdParamDto {
  @Matches(UUID, { message: 'mediaId must be a UUID' })
  mediaId!: string;
}

/** Staff overriding a job, and technicians withdrawing, say why. */
export class RepairJobReasonDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class CancelRepairJobDto {
  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

export const VISIT_FEE_CHOICES = ['keep', 'waive'] as const;
export type VisitFeeChoice = (typeof VISIT_FEE_CHOICES)[number];

/** Staff cancelling: a reason; for a paid job its technician reached, whether the visit fee stands. */
export class StaffCancelRepairJobDto extends RepairJobReasonDto {
  /**
   * A paid offline job (its technician arrived): `keep` the visit fee for the technician and refund
   * the rest, or `waive` it and refund in full. Required for such a job, ignored for any other.
   */
  @ApiPropertyOptional({ enum: VISIT_FEE_CHOICES })
  @IsOptional()
  @IsIn(VISIT_FEE_CHOICES)
  visitFee?: VisitFeeChoice;
}

export class AssignRepairJobDto {
  /** An approved technician of the job's kind. */
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId!: string;
}

export class ReassignRepairJobDto extends IntersectionType(
  AssignRepairJobDto,
  RepairJobReasonDto,
) {}

export class QuoteLineDto {
  @ApiProperty({ enum: QUOTE_LINE_KINDS })
  @IsIn(QUOTE_LINE_KINDS)
  kind!: QuoteLineKind;

  @IsString()
  @Length(2, 200)
  @Matches(NOT_BLANK, { message: 'description must not be blank' })
  description!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100 })
  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;

  /** Per unit, before GST, integer paise. */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_REPAIR_JOB_PAISE })
  @IsInt()
  @Min(1)
  @Max(MAX_REPAIR_JOB_PAISE)
  unitPaise!: number;

  /** The GST rate the technician charges on this line, in basis points (0 when not registered). */
  @ApiProperty({ enum: GST_RATES_BPS })
  @IsIn(GST_RATES_BPS)
  gstRateBps!: number;
}

export class CreateRepairQuoteDto {
  @ApiProperty({ type: [QuoteLineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => QuoteLineDto)
  lines!: QuoteLineDto[];

  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

export class DecideRepairQuoteDto {
  @Matches(UUID, { message: 'quoteId must be a UUID' })
  quoteId!: string;

  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

export class RepairJobQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: REPAIR_JOB_STATUSES })
  @IsOptional()
  @IsIn(REPAIR_JOB_STATUSES)
  status?: RepairJobStatus;

  @ApiPropertyOptional({ enum: TECHNICIAN_KINDS })
  @IsOptional()
  @IsIn(TECHNICIAN_KINDS)
  kind?: TechnicianKind;
}

/** Staff's search: the filters above and who, when and what. */
export class StaffRepairJobQueryDto extends RepairJobQueryDto {
  @IsOptional()
  @Matches(UUID, { message: 'customerId must be a UUID' })
  customerId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId?: string;

  @ApiPropertyOptional({ description: 'Requested at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'Requested before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;

  @ApiPropertyOptional({
    description: 'Words found in the device brand, model or problem (all of them, any case)',
  })
  @IsOptional()
  @IsString()
  @Length(2, 100)
  @Matches(NOT_BLANK, { message: 'q must not be blank' })
  q?: string;
}

export class RepairJobDto {
  id!: string;
  customerId!: string;
  technicianId!: string | null;
  @ApiProperty({ enum: TECHNICIAN_KINDS })
  kind!: TechnicianKind;
  @ApiProperty({ enum: REPAIR_MODES })
  mode!: (typeof REPAIR_MODES)[number];
  @ApiProperty({ enum: REPAIR_JOB_STATUSES })
  status!: RepairJobStatus;
  deviceBrand!: string;
  deviceModel!: string;
  problem!: string;
  location!: RepairLocationDto | null;
  address!: string | null;
  preferredFrom!: string | null;
  preferredTo!: string | null;
  /**
   * The approved quote's total: the job's first payment (null until a quote is approved).
   * Supplementary quotes add to it (`paidPaise`).
   */
  @ApiProperty({ type: 'integer', nullable: true, description: 'Integer paise' })
  amountPaise!: number | null;
  /**
   * What the customer is to pay now (`POST /repairs/{id}/payments`): the approved quote's total while
   * the job awaits payment, an approved supplementary quote's while it is in progress; else 0.
   */
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountDuePaise!: number;
  /** What was paid for the job: its first quote and its paid supplementary quotes (0 before paying). */
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  paidPaise!: number;
  assignedAt!: string | null;
  paidAt!: string | null;
  doneAt!: string | null;
  confirmedAt!: string | null;
  closedAt!: string | null;
  cancelledAt!: string | null;
  /**
   * A paid job cancelled: the visit fee kept from its payment and released to the technician (0:
   * refunded in full; the refunds are at `GET /repairs/{id}/refunds`). Null otherwise.
   */
  @ApiProperty({ type: 'integer', nullable: true, description: 'Integer paise' })
  visitFeePaise!: number | null;
  createdAt!: string;
}

export class RepairJobPageDto {
  @ApiProperty({ type: [RepairJobDto] })
  items!: RepairJobDto[];
  nextCursor?: string;
}

export class PricedQuoteLineDto extends QuoteLineDto {
  @ApiProperty({ type: 'integer' })
  taxablePaise!: number;
  @ApiProperty({ type: 'integer' })
  gstPaise!: number;
}

export class RepairQuoteDto {
  id!: string;
  repairJobId!: string;
  technicianId!: string;
  @ApiProperty({ type: [PricedQuoteLineDto] })
  lines!: PricedQuoteLineDto[];
  @ApiProperty({ type: 'integer' })
  taxablePaise!: number;
  @ApiProperty({ type: 'integer' })
  gstPaise!: number;
  @ApiProperty({ type: 'integer' })
  totalPaise!: number;
  note!: string | null;
  @ApiProperty({ enum: ['proposed', 'approved', 'rejected', 'superseded'] })
  status!: 'proposed' | 'approved' | 'rejected' | 'superseded';
  /** Quoted while the job was in progress (more work, paid on top of the first quote). */
  supplementary!: boolean;
  decidedAt!: string | null;
  decisionReason!: string | null;
  /** When its payment was captured (an approved quote; null until paid). */
  paidAt!: string | null;
  createdAt!: string;
}

/** One job with its quotes, newest first (what was paid for each, the supplement due), and its open dispute. */
export class RepairJobViewDto extends RepairJobDto {
  @ApiProperty({ type: [RepairQuoteDto] })
  quotes!: RepairQuoteDto[];
  /** While the job is `disputed`: its open dispute (`GET /disputes/{id}`); null otherwise. */
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true })
  openDisputeId!: string | null;
  /** Photos and videos its customer attached (`GET /repairs/{id}/media`). */
  @ApiProperty({ type: 'integer' })
  mediaCount!: number;
}

/** A photo or video the customer attached to a job. */
export class RepairMediaDto {
  id!: string;
  repairJobId!: string;
  @ApiProperty({ enum: MEDIA_CONTENT_TYPES })
  contentType!: MediaContentType;
  @ApiProperty({ type: 'integer' })
  byteSize!: number;
  /** SHA-256 (hex) of the stored bytes (a photo as re-encoded without metadata); its download's ETag. */
  sha256!: string;
  uploadedBy!: string;
  createdAt!: string;
  /** Where the job's customer, technician and staff download the bytes (`GET /repairs/{id}/media/{mediaId}`). */
  url!: string;
}

/** One move of a repair job, as its timeline shows it. */
export class RepairTimelineEntryDto {
  event!: string;
  fromStatus!: string | null;
  toStatus!: string;
  /** Which side moved it: customer, technician, staff, payment or system. */
  by!: string;
  at!: string;
  /** Staff readers only (null for the customer and the technician). */
  reason!: string | null;
}
