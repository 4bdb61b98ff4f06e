import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;
const PAISE = { type: 'integer', description: 'Integer paise (₹1 = 100)' } as const;

export const TCS_CORRECTION_STATUSES = ['proposed', 'approved', 'rejected'] as const;
export type TcsCorrectionStatus = (typeof TCS_CORRECTION_STATUSES)[number];

export class TcsCorrectionIdParamDto {
  @Matches(UUID, { message: 'correctionId must be a UUID' })
  correctionId!: string;
}

export class ProposeTcsCorrectionDto {
  /** Why (kept on the correction and in the audit log). */
  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class DecideTcsCorrectionDto {
  @IsOptional()
  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

/** One release checked: its TCS on the schedule basis (as posted) and on its lines. */
export class TcsCorrectionItemDto {
  subOrderId!: string;
  orderId!: string;
  dealerId!: string;
  releasedAt!: string;
  /** Released to the dealer (the hold less any refund at release). */
  @ApiProperty(PAISE)
  releasedPaise!: number;
  @ApiProperty(PAISE)
  refundedAfterReleasePaise!: number;
  /** Taxable value as posted: the amount ÷ 1.18 (net of refunds after release). */
  @ApiProperty(PAISE)
  taxableBeforePaise!: number;
  /** Taxable value of the released lines at their own rates, delivery included (net of refunds). */
  @ApiProperty(PAISE)
  taxableAfterPaise!: number;
  @ApiProperty(PAISE)
  tcsBeforePaise!: number;
  @ApiProperty(PAISE)
  tcsAfterPaise!: number;
  /** After − before: > 0 withheld from the dealer, < 0 given back to it. */
  @ApiProperty(PAISE)
  differencePaise!: number;
  /** What the dealer's payable could not bear (already paid out): booked as its receivable. */
  @ApiProperty(PAISE)
  fromReceivablePaise!: number;
  /** The ledger entry once approved (null before, or when the difference is 0). */
  entryKey!: string | null;
}

export class TcsCorrectionDto {
  id!: string;
  @ApiProperty({ enum: TCS_CORRECTION_STATUSES })
  status!: TcsCorrectionStatus;
  reason!: string;
  proposedBy!: string;
  proposedAt!: string;
  decidedBy!: string | null;
  decidedAt!: string | null;
  decisionReason!: string | null;
  /** Releases checked, and their Σ difference. */
  releases!: number;
  @ApiProperty(PAISE)
  totalDifferencePaise!: number;
  items!: TcsCorrectionItemDto[];
}
