import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { MAX_ACCOUNT_CODE_LENGTH } from '../domain/account.js';
import { MAX_LINES_PER_ENTRY } from '../domain/journal.js';
import { UUID } from '../../common/uuid.js';

export const ADJUSTMENT_STATUSES = ['proposed', 'approved', 'rejected'] as const;
export type AdjustmentStatus = (typeof ADJUSTMENT_STATUSES)[number];

const NOT_BLANK = /\S/;

/**
 * One line of a proposed entry. The DTO checks the shape only; the ledger's own rules (at least two
 * lines, positive amounts, a valid account code, never one account on both sides, balanced) are
 * checked by the domain and answered with the ledger result code (`ledger/unbalanced`, …).
 */
export class AdjustmentLineDto {
  /** An opened ledger account, by code (`expense:goodwill`, `liability:dealer_payable:d1`). */
  @IsString()
  @Length(1, MAX_ACCOUNT_CODE_LENGTH)
  account!: string;

  @IsIn(['debit', 'credit'])
  side!: 'debit' | 'credit';

  /**
   * Integer paise (₹1 = 100), a JSON number: positive, at most 2^53 − 1 (the largest integer a JSON
   * number carries exactly).
   */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
  @IsInt({ message: 'amountPaise must be an integer number of paise' })
  @Max(Number.MAX_SAFE_INTEGER, {
    message: 'amountPaise must be at most 9007199254740991 (exact in JSON)',
  })
  amountPaise!: number;
}

/** A manual entry proposed by one finance user, to be approved by another. */
export class ProposeAdjustmentDto {
  /** Why the entry is needed: kept on the proposal, the posted entry and the audit log. */
  @IsString()
  @Length(10, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;

  /** The business reference the entry corrects or records (ticket, bank statement line, order…). */
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'reference must not be blank' })
  reference!: string;

  /** The balanced lines to post on approval (2 to 64). */
  @IsArray()
  @ArrayMaxSize(MAX_LINES_PER_ENTRY, {
    message: `lines must contain at most ${MAX_LINES_PER_ENTRY} lines`,
  })
  @ValidateNested({ each: true })
  @Type(() => AdjustmentLineDto)
  lines!: AdjustmentLineDto[];
}

export class ApproveAdjustmentDto {
  /** Optional note of the approver (audit log and proposal). */
  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

export class RejectAdjustmentDto {
  /** Why the proposal is rejected (or withdrawn by its proposer). */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class AdjustmentIdParamDto {
  @Matches(UUID, { message: 'adjustmentId must be a UUID' })
  adjustmentId!: string;
}

export class AdjustmentQueryDto extends PageQueryDto {
  /** Only proposals in this state (the approval queue is `proposed`). */
  @IsOptional()
  @IsIn(ADJUSTMENT_STATUSES)
  status?: AdjustmentStatus;
}

export class AdjustmentLineViewDto {
  account!: string;
  side!: 'debit' | 'credit';
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Integer paise' })
  amountPaise!: number;
}

export class LedgerAdjustmentDto {
  id!: string;
  status!: AdjustmentStatus;
  reason!: string;
  reference!: string;
  lines!: AdjustmentLineViewDto[];
  /** User id of the maker. */
  proposedBy!: string;
  proposedAt!: string;
  /** User id of the checker (approved), or of whoever rejected or withdrew it. */
  decidedBy!: string | null;
  decidedAt!: string | null;
  decisionReason!: string | null;
  /** The posted ledger entry (`adjustment:<id>`), once approved. */
  entryId!: string | null;
}

export class LedgerAdjustmentPageDto {
  items!: LedgerAdjustmentDto[];
  /** Pass as `cursor` to fetch the next page; absent on the last page. */
  nextCursor?: string;
}
