import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { EXCEPTION_STATUSES } from '../domain/exception-state.js';
import { UUID } from '../../common/uuid.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const RECONCILIATION_CATEGORIES = [
  'payments',
  'refunds',
  'transfers',
  'settlements',
  'payouts',
  'other',
] as const;
export type ReconciliationCategory = (typeof RECONCILIATION_CATEGORIES)[number];

/** What did not match (README "Daily reconciliation" explains each). */
export const EXCEPTION_KINDS = [
  'payment_missing_in_ledger',
  'payment_amount_mismatch',
  'payment_not_captured_at_gateway',
  'payment_authorized_not_captured',
  'fee_mismatch',
  'refund_missing_in_ledger',
  'refund_amount_mismatch',
  'refund_failed_at_gateway',
  'refund_not_at_gateway',
  'transfer_unknown',
  'transfer_not_at_gateway',
  'transfer_amount_mismatch',
  'transfer_released_while_held',
  'transfer_hold_not_lifted',
  'transfer_reversal_mismatch',
  'settlement_missing_in_ledger',
  'settlement_amount_mismatch',
  'settlement_not_at_gateway',
  'payout_missing_in_ledger',
  'payout_mismatch',
  'ledger_entry_unmatched',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

const RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class RequestReconciliationDto {
  /** The business day (IST) to reconcile, `YYYY-MM-DD`; today reconciles the day so far. */
  @ApiProperty({ example: '2026-11-25' })
  @Matches(DAY, { message: 'date must be YYYY-MM-DD' })
  date!: string;
}

export class ReconciliationRunQueryDto extends PageQueryDto {
  /** Runs of this business day only. */
  @ApiPropertyOptional({ example: '2026-11-25' })
  @IsOptional()
  @Matches(DAY, { message: 'date must be YYYY-MM-DD' })
  date?: string;
}

export class RunIdParamDto {
  @Matches(UUID, { message: 'runId must be a UUID' })
  runId!: string;
}

export class ExceptionIdParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

export class ReconciliationExceptionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: EXCEPTION_STATUSES })
  @IsOptional()
  @IsIn(EXCEPTION_STATUSES)
  status?: (typeof EXCEPTION_STATUSES)[number];

  @ApiPropertyOptional({ enum: RECONCILIATION_CATEGORIES })
  @IsOptional()
  @IsIn(RECONCILIATION_CATEGORIES)
  category?: ReconciliationCategory;

  @ApiPropertyOptional({ enum: EXCEPTION_KINDS })
  @IsOptional()
  @IsIn(EXCEPTION_KINDS)
  kind?: ExceptionKind;

  /** Exceptions of this business day only. */
  @ApiPropertyOptional({ example: '2026-11-25' })
  @IsOptional()
  @Matches(DAY, { message: 'date must be YYYY-MM-DD' })
  date?: string;

  @IsOptional()
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId?: string;
}

export class ResolveExceptionDto {
  /** What finance found and did (kept on the exception and in the audit log). */
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  note!: string;
}

/** One side of a category: how many items and how much (paise). */
export class ReconciliationSideDto {
  @ApiProperty({ type: 'integer' })
  count!: number;
  @ApiProperty({ type: 'integer' })
  paise!: number;
}

export class ReconciliationCategorySummaryDto {
  /** Gateway items created in the window (payments: captured ones; refunds and settlements: processed ones). */
  gateway!: ReconciliationSideDto;
  /** Ledger entries on asset:gateway_receivable posted in the window (transfers: escrow holds examined). */
  ledger!: ReconciliationSideDto;
  /** Items examined that matched. */
  @ApiProperty({ type: 'integer' })
  matched!: number;
  /** Items on their way (a refund pending at the gateway, a Route release within its grace hour). */
  @ApiProperty({ type: 'integer' })
  inTransit!: number;
  @ApiProperty({ type: 'integer' })
  exceptions!: number;
}

export class ReconciliationSummaryDto {
  payments!: ReconciliationCategorySummaryDto;
  fees!: ReconciliationCategorySummaryDto;
  refunds!: ReconciliationCategorySummaryDto;
  transfers!: ReconciliationCategorySummaryDto;
  settlements!: ReconciliationCategorySummaryDto;
  payouts!: ReconciliationCategorySummaryDto;
  other!: ReconciliationCategorySummaryDto;
  /** Net movement of asset:gateway_receivable in the window (debits − credits, paise). */
  @ApiProperty({ type: 'integer' })
  ledgerNetPaise!: number;
  /**
   * Information, not an exception: reversals of transfers made after the dealer settlement that
   * paid them out (count, paise), among the payouts examined — the dealer owes them back
   * (asset:dealer_receivable, booked by the refund after release).
   */
  reversedAfterPayout!: ReconciliationSideDto;
}

export class ReconciliationRunDto {
  id!: string;
  /** The business day (IST). */
  businessDate!: string;
  /** The window examined: [windowFrom, windowTo). */
  windowFrom!: string;
  windowTo!: string;
  @ApiProperty({ enum: RUN_STATUSES })
  status!: (typeof RUN_STATUSES)[number];
  /** The staff member who asked for it; null for the daily schedule. */
  requestedBy!: string | null;
  summary!: ReconciliationSummaryDto | null;
  @ApiProperty({ type: 'integer', nullable: true })
  exceptionsFound!: number | null;
  error!: string | null;
  createdAt!: string;
  startedAt!: string | null;
  finishedAt!: string | null;
}

export class ReconciliationRunPageDto {
  items!: ReconciliationRunDto[];
  nextCursor?: string;
}

export class ReconciliationExceptionDto {
  id!: string;
  businessDate!: string;
  @ApiProperty({ enum: RECONCILIATION_CATEGORIES })
  category!: ReconciliationCategory;
  @ApiProperty({ enum: EXCEPTION_KINDS })
  kind!: ExceptionKind;
  /** The gateway id (pay_…, rfnd_…, trf_…, setl_…) or ledger entry key the exception is about. */
  subject!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'What the gateway says, paise' })
  gatewayPaise!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'What the ledger says, paise' })
  ledgerPaise!: number | null;
  orderId!: string | null;
  detail!: string;
  /** `open`; `cleared` (a later run of the day no longer found it); `resolved` by finance with a note. */
  @ApiProperty({ enum: EXCEPTION_STATUSES })
  status!: (typeof EXCEPTION_STATUSES)[number];
  firstRunId!: string;
  lastRunId!: string;
  clearedAt!: string | null;
  resolvedBy!: string | null;
  resolution!: string | null;
  resolvedAt!: string | null;
  createdAt!: string;
  updatedAt!: string;
}

export class ReconciliationExceptionPageDto {
  items!: ReconciliationExceptionDto[];
  nextCursor?: string;
}
