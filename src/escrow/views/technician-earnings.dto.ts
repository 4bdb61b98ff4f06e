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
 * service fee, GST on it, TCS, TDS and net) and `refunded`, and the jobs one page at a time, newest
 * first. `settled` (its payouts: the Route settlements of its account, `GET /technician/payouts`)
 * and `payableBalancePaise` (released net less paid out, less what it owes back) are as of now.
 */
export class TechnicianEarningsDto {
  held!: AmountCountDto;
  released!: TechnicianReleasedDto;
  refunded!: AmountCountDto;
  settled!: AmountCountDto;
  @ApiProperty({ type: 'integer' })
  payableBalancePaise!: number;
  items!: TechnicianEarningsLineDto[];
  nextCursor?: string;
}
