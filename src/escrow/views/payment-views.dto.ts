import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { PeriodQueryDto } from '../../common/period.js';
import { UUID } from '../../common/uuid.js';

export const PAYMENT_STATUSES = [
  'creating',
  'created',
  'authorized',
  'captured',
  'failed',
] as const;
export const HOLD_STATUSES = ['held', 'released', 'refunded'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];
/** `escrow_holds.transfer_status`: none → pending → on_hold → released, or failed. */
export const TRANSFER_STATUSES = ['none', 'pending', 'on_hold', 'released', 'failed'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** `true` / `false` only; anything else stays a string and fails @IsBoolean. */
const booleanFlag = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

const Paise = () => ApiProperty({ type: 'integer', description: 'Integer paise' });

/** A page of a list filtered by a period on the list's own time (see each list). */
export class PeriodPageQueryDto extends IntersectionType(PageQueryDto, PeriodQueryDto) {}

/** `from`/`to` on the time the payment was opened. */
export class AdminPaymentQueryDto extends PeriodPageQueryDto {
  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  status?: (typeof PAYMENT_STATUSES)[number];

  @IsOptional()
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'buyerId must be a UUID' })
  buyerId?: string;

  /** `true`: only money captured for an order that could no longer be paid (to be refunded). */
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  unpayable?: boolean;
}

export class AdminPaymentDto {
  id!: string;
  orderId!: string;
  buyerId!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES })
  status!: (typeof PAYMENT_STATUSES)[number];
  @Paise()
  amountPaise!: number;
  unpayable!: boolean;
  gatewayOrderId!: string | null;
  gatewayPaymentId!: string | null;
  method!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Gateway fee incl. GST, paise' })
  feePaise!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'GST part of the fee, paise' })
  feeTaxPaise!: number | null;
  failureCode!: string | null;
  failureReason!: string | null;
  createdAt!: string;
  capturedAt!: string | null;
  updatedAt!: string;
}

export class AdminPaymentPageDto {
  items!: AdminPaymentDto[];
  nextCursor?: string;
}

export class AmountCountDto {
  @ApiProperty({ type: 'integer' })
  count!: number;
  @Paise()
  amountPaise!: number;
}

export class AgingBucketDto extends AmountCountDto {
  /** `0-7`, `8-14`, `15-30` or `31+` (whole days since capture). */
  bucket!: string;
  @ApiProperty({ type: 'integer' })
  minDays!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: no upper bound' })
  maxDays!: number | null;
}

export class EscrowAgingDto {
  asOf!: string;
  buckets!: AgingBucketDto[];
  total!: AmountCountDto;
}

export class EscrowHoldQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: HOLD_STATUSES })
  @IsOptional()
  @IsIn(HOLD_STATUSES)
  status?: HoldStatus;

  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId?: string;

  /** Only holds whose Route transfer is in this state (`failed`: the transfers to retry). */
  @ApiPropertyOptional({ enum: TRANSFER_STATUSES })
  @IsOptional()
  @IsIn(TRANSFER_STATUSES)
  transferStatus?: TransferStatus;
}

/** What was withheld from the dealer at release (integer paise). */
export class ReleaseDeductionsDto {
  @Paise()
  commissionPaise!: number;
  @Paise()
  gstOnCommissionPaise!: number;
  @Paise()
  tcsPaise!: number;
  @Paise()
  tdsPaise!: number;
}

export class EscrowHoldDto {
  holdId!: string;
  /** A sub-order's hold (for its dealer); null for a repair job's. */
  subOrderId!: string | null;
  orderId!: string | null;
  /** A repair job's hold (for its technician); null for a sub-order's. */
  repairJobId!: string | null;
  paymentId!: string;
  @ApiProperty({ enum: ['dealer', 'technician'] })
  payeeType!: 'dealer' | 'technician';
  payeeId!: string;
  /** The payee when it is a dealer. */
  dealerId!: string | null;
  @ApiProperty({ enum: HOLD_STATUSES })
  status!: HoldStatus;
  /** The sub-order's status now; null for a repair job. */
  subOrderStatus!: string | null;
  @Paise()
  amountPaise!: number;
  /** When the hold was made (the capture). */
  heldAt!: string;
  @ApiProperty({ type: 'integer', description: 'Whole days since capture' })
  ageDays!: number;
  releasedAt!: string | null;
  /** Present once released. */
  deductions!: ReleaseDeductionsDto | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "The payee's (dealer's or technician's) net at release",
  })
  dealerNetPaise!: number | null;
  /**
   * The Route transfer of this hold to the payee's linked account: `none` (not started: the
   * payee's account is not activated yet), `pending` (being created), `on_hold` (at the payee's
   * account, held until release), `released` (hold lifted: Razorpay settles the payee's net),
   * `failed` (refused or out of retries; see the `transfer_failed` alert and retry-transfer).
   */
  @ApiProperty({ enum: TRANSFER_STATUSES })
  transferStatus!: TransferStatus;
  /** Razorpay's transfer id (`trf_…`) once created. */
  transferId!: string | null;
  /** Gateway calls made by the transfer's current step. */
  @ApiProperty({ type: 'integer' })
  transferAttempts!: number;
  /** Why the transfer last failed (kept until it succeeds). */
  transferError!: string | null;
}

export class EscrowHoldPageDto {
  items!: EscrowHoldDto[];
  nextCursor?: string;
}

export class ReleaseDueDto {
  subOrderId!: string;
  orderId!: string;
  dealerId!: string;
  @Paise()
  amountPaise!: number;
  @ApiProperty({ enum: ['delivered', 'completed'] })
  subOrderStatus!: 'delivered' | 'completed';
  deliveredAt!: string | null;
  /** When the sub-order completed (from its history); null while delivered. */
  completedAt!: string | null;
  /** Delivery + ORDER_AUTO_COMPLETE_HOURS: when it completes (or completed) and becomes releasable. */
  expectedCompletionAt!: string | null;
  /** Completed (releasable now) but still held. */
  releasable!: boolean;
}

export class ReleasesDueDto {
  /** Held escrow of completed sub-orders: the release job should have released it. */
  releasable!: AmountCountDto;
  /** Held escrow of delivered sub-orders, releasable once they complete. */
  upcoming!: AmountCountDto;
  /** Completed ones first (oldest first), then delivered ones by expected completion. */
  items!: ReleaseDueDto[];
  nextCursor?: string;
}

export class PeriodFiguresDto {
  @Paise()
  capturedPaise!: number;
  @Paise()
  refundedPaise!: number;
  @Paise()
  releasedGrossPaise!: number;
  @Paise()
  commissionPaise!: number;
  @Paise()
  gstOnCommissionPaise!: number;
  @Paise()
  tcsPaise!: number;
  @Paise()
  tdsPaise!: number;
  @Paise()
  dealerNetReleasedPaise!: number;
}

export class PaymentTotalsDto {
  from!: string;
  to!: string;
  @ApiProperty({ type: 'integer', description: 'Payments captured in the period' })
  capturedCount!: number;
  @ApiProperty({ type: 'integer', description: 'Escrow holds released in the period' })
  releasedCount!: number;
  /**
   * From the tables: captured = payments captured in the period (`captured_at`); the release figures
   * = escrow holds released in the period (`released_at`). Refunded comes from the ledger (entries
   * `refund` crediting the gateway receivable, effective in the period), as no table is read for it.
   */
  totals!: PeriodFiguresDto;
  /**
   * The same figures from the journal: the movements, in the period (entries' effective time), of
   * the gateway receivable (`payment_captured` debits, `refund` credits), the dealer payables
   * (`escrow_release` credits; net = those less `release_deductions` debits), and
   * revenue:commission, liability:tax:gst_output, liability:tax:tcs and liability:tax:tds
   * (`release_deductions` credits).
   */
  ledger!: PeriodFiguresDto;
  /** Every figure from the tables equals the ledger's. */
  reconciled!: boolean;
  /** The figures that differ (names of PeriodFiguresDto fields). */
  mismatches!: string[];
}

export class DealerEscrowQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: HOLD_STATUSES })
  @IsOptional()
  @IsIn(HOLD_STATUSES)
  status?: HoldStatus;
}

export class DealerReleasedDto extends ReleaseDeductionsDto {
  @ApiProperty({ type: 'integer' })
  count!: number;
  @Paise()
  grossPaise!: number;
  @Paise()
  netPaise!: number;
}

export class DealerEscrowLineDto {
  subOrderId!: string;
  orderId!: string;
  subOrderStatus!: string;
  @ApiProperty({ enum: ['held', 'releasable', 'released', 'refunded'] })
  state!: 'held' | 'releasable' | 'released' | 'refunded';
  @Paise()
  amountPaise!: number;
  heldAt!: string;
  releasedAt!: string | null;
  deductions!: ReleaseDeductionsDto | null;
  @ApiProperty({ type: 'integer', nullable: true })
  netPaise!: number | null;
}

/**
 * A dealer's escrow statement. `held` counts every held hold (the releasable ones included);
 * `releasable` those whose sub-order completed and await the release job; `settled` the Route
 * settlements of the dealer's account to its bank (its payouts, `GET /dealer/escrow/payouts`), and
 * `payableBalancePaise` what the platform owes the dealer now: released net less paid out (less a
 * clawback the dealer owes back, when a refund after release came after its payout).
 */
export class DealerEscrowDto {
  held!: AmountCountDto;
  releasable!: AmountCountDto;
  released!: DealerReleasedDto;
  refunded!: AmountCountDto;
  settled!: AmountCountDto;
  @ApiProperty({ type: 'integer' })
  payableBalancePaise!: number;
  items!: DealerEscrowLineDto[];
  nextCursor?: string;
}

export const REFUND_STATUSES = ['requested', 'processing', 'processed', 'failed'] as const;
export const REFUND_KINDS = [
  'cancellation',
  'unpayable',
  'duplicate',
  'excess',
  'partial',
  'after_release',
] as const;

/** `from`/`to` on the time the refund was requested. */
export class AdminRefundQueryDto extends PeriodPageQueryDto {
  @ApiPropertyOptional({ enum: REFUND_STATUSES })
  @IsOptional()
  @IsIn(REFUND_STATUSES)
  status?: (typeof REFUND_STATUSES)[number];

  @ApiPropertyOptional({ enum: REFUND_KINDS })
  @IsOptional()
  @IsIn(REFUND_KINDS)
  kind?: (typeof REFUND_KINDS)[number];

  @IsOptional()
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId?: string;

  /** Refunds of this dealer's sub-orders (refunds of no sub-order have no dealer). */
  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;
}

export class AdminRefundDto {
  id!: string;
  /** The payable refunded: an order or a repair job (exactly one is set). */
  orderId!: string | null;
  repairJobId!: string | null;
  /** The sub-order refunded (cancellation, partial, after release); null for money never held for a dealer and for repair jobs. */
  subOrderId!: string | null;
  /** The sub-order's dealer. */
  dealerId!: string | null;
  paymentId!: string;
  /** Razorpay's refund id, once sent. */
  gatewayRefundId!: string | null;
  /**
   * `cancellation` (a paid part cancelled before shipping, a paid repair job cancelled with a full
   * refund), `unpayable` (captured for an order or job that could no longer be paid), `duplicate` (a
   * second payment), `excess` (paid over what was payable), `partial` (a dispute's partial refund, a
   * repair job's refund at release: the rest after its visit fee, or staff's part of a done job),
   * `after_release` (staff, after the escrow was released).
   */
  @ApiProperty({ enum: REFUND_KINDS })
  kind!: (typeof REFUND_KINDS)[number];
  @Paise()
  amountPaise!: number;
  @ApiProperty({ enum: REFUND_STATUSES })
  status!: (typeof REFUND_STATUSES)[number];
  /** Why staff refunded it (after release). */
  reason!: string | null;
  /** The staff member who asked for it (after release). */
  requestedBy!: string | null;
  @ApiProperty({ type: 'integer', description: 'Calls to the gateway so far' })
  attempts!: number;
  lastError!: string | null;
  requestedAt!: string;
  processedAt!: string | null;
}

export class AdminRefundPageDto {
  items!: AdminRefundDto[];
  nextCursor?: string;
}

export const PAYOUT_KINDS = ['dealer', 'technician', 'platform'] as const;

/** `from`/`to` on the time the payout was posted. */
export class PayoutQueryDto extends PeriodPageQueryDto {
  /** `dealer`, `technician`: a payee's Route settlement; `platform`: the platform's own settlement. */
  @ApiPropertyOptional({ enum: PAYOUT_KINDS })
  @IsOptional()
  @IsIn(PAYOUT_KINDS)
  kind?: (typeof PAYOUT_KINDS)[number];

  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId?: string;
}

/** Money that left Razorpay, as the ledger recorded it from `settlement.processed`. */
export class PayoutDto {
  /** Razorpay's settlement id (`setl_…`). */
  settlementId!: string;
  /**
   * `dealer`, `technician`: a payee's Route account settled to its bank (`payout:<id>`: Dr its
   * payable / Cr gateway receivable); `platform`: the platform's balance settled to its bank
   * (`settlement:<id>`: Dr asset:bank / Cr gateway receivable).
   */
  @ApiProperty({ enum: PAYOUT_KINDS })
  kind!: (typeof PAYOUT_KINDS)[number];
  dealerId!: string | null;
  technicianId!: string | null;
  @Paise()
  amountPaise!: number;
  /** The ledger entry's effective time. */
  postedAt!: string;
}

export class PayoutPageDto {
  items!: PayoutDto[];
  nextCursor?: string;
}
