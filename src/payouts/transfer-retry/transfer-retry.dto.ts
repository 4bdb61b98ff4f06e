import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_BLANK = /\S/;

export class TransferRetryParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

export class RetryTransferDto {
  /** What was fixed before retrying (kept in the audit log). */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

/** The escrow hold's Route transfer after the retry was scheduled. */
export class TransferRetryDto {
  subOrderId!: string;
  orderId!: string;
  dealerId!: string;
  /** The escrow hold's status (`held`, `released`). */
  holdStatus!: string;
  /**
   * `pending`: the transfer is created again (the job first looks for one an earlier attempt may
   * have created); `on_hold`: its hold is lifted again (released escrow).
   */
  @ApiProperty({ enum: ['pending', 'on_hold'] })
  transferStatus!: 'pending' | 'on_hold';
  transferId!: string | null;
  /** The job enqueued: `payments.route-transfers` or `payments.route-release`. */
  @ApiProperty({ enum: ['payments.route-transfers', 'payments.route-release'] })
  job!: 'payments.route-transfers' | 'payments.route-release';
  /** The error of the failed attempt. */
  previousError!: string | null;
}
