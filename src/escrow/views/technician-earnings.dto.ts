import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import {
  AmountCountDto,
  HOLD_STATUSES,
  PeriodPageQueryDto,
  TRANSFER_STATUSES,
  type HoldStatus,
  type TransferStatus,
} from './payment-views.dto.js';

const Paise = () => ApiProperty({ type: 'integer', description: 'Integer paise' });

/** `from`/`to` on the time the job was paid (its escrow hold made); `status` the hold's. */
export class TechnicianEarningsQueryDto extends PeriodPageQueryDto {
  @ApiPropertyOptional({ enum: HOLD_STATUSES })
  @IsOptional()
  @IsIn(HOLD_STATUSES)
  status?: HoldStatus;
}

/** What the release of a repair job withheld from the technician, and what it was left. */
export class EarningsFiguresDto {
  /** The platform's service fee (the commission of a repair job). */
  @Paise()
  serviceFeePaise!: number;
  @Paise()
  gstOnFeePaise!: number;
  @Paise()
  tcsPaise!: number;
  @Paise()
  tdsPaise!: number;
  /** What the technician is paid: gross − fee − GST on it − TCS − TDS. */
  @Paise()
  netPaise!: number;
}

/**
 * Refunds after release (`POST /admin/repairs/{id}/refund-after-release`) processed by the gateway:
 * how many, what went back to the customer, and what they took back of the technician's net — the
 * ledger's clawback (recipe §7) on its payable, and on its receivable when it had been paid out.
 */
export class RefundsAfterReleaseDto {
  @ApiProperty({ type: 'integer' })
  count!: number;
  /** Refunded to the customer. */
  @Paise()
  amountPaise!: number;
  /**
   * Taken back of the technician's net (the rest of the refund is the service fee, GST on it, TCS
   * and TDS given back): what the technician keeps of a hold is `figures.netPaise` less this.
   */
  @Paise()
  clawedBackPaise!: number;
}

/**
 * One escrow hold of a paid repair job of the technician: a job has one per payment (its quote's,
 * and each supplementary quote's).
 */
export class TechnicianEarningsLineDto {
  repairJobId!: string;
  holdId!: string;
  /** The escrow hold's state: `held` until the release, `released`, or `refunded`. */
  @ApiProperty({ enum: HOLD_STATUSES })
  state!: HoldStatus;
  /** What the customer paid into this hold (the quote or supplement it paid). */
  @Paise()
  grossPaise!: number;
  heldAt!: string;
  releasedAt!: string | null;
  /** Set once released. */
  figures!: EarningsFiguresDto | null;
  /** The hold's refunds after release (zero before release, and when none). */
  refundedAfterRelease!: RefundsAfterReleaseDto;
  /**
   * The Route transfer of the job's money to the technician's linked account: `none` (no activated
   * account yet: it waits), `pending`, `on_hold` (until the release), `released` (Razorpay settles
   * the net to the technician's bank with its next settlement), `failed` (staff retry it).
   */
  @ApiProperty({ enum: TRANSFER_STATUSES })
  transferStatus!: TransferStatus;
}

export class TechnicianReleasedDto extends EarningsFiguresDto {
  @ApiProperty({ type: 'integer' })
  count!: number;
  @Paise()
  grossPaise!: number;
}

/**
 * A technician's earnings statement over the period: its jobs' escrow `held`, `released` (with the
 * service fee, GST on it, TCS, TDS and net, as released), `refunded` (before release) and
 * `refundedAfterRelease` (the released holds' refunds after release, with what they clawed back:
 * released net less it is what the technician keeps), and the jobs one page at a time, newest
 * first. `settled` (its payouts: the Route settlements of its account, `GET /technician/payouts`)
 * and `payableBalancePaise` (released net less paid out, less what it owes back) are as of now.
 */
export class TechnicianEarningsDto {
  held!: AmountCountDto;
  released!: TechnicianReleasedDto;
  refunded!: AmountCountDto;
  refundedAfterRelease!: RefundsAfterReleaseDto;
  settled!: AmountCountDto;
  @ApiProperty({ type: 'integer' })
  payableBalancePaise!: number;
  items!: TechnicianEarningsLineDto[];
  nextCursor?: string;
}
