import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;

export class TransferRetryParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

export class RepairTransferRetryParamDto {
  @Matches(UUID, { message: 'repairJobId must be a UUID' })
  repairJobId!: string;
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
  /** The escrow hold (`escrow_holds.id`). */
  holdId!: string;
  /** The hold's obligation: a sub-order of an order (its dealer's), or a repair job (its technician's). */
  subOrderId!: string | null;
  orderId!: string | null;
  repairJobId!: string | null;
  @ApiProperty({ enum: ['dealer', 'technician'] })
  payeeType!: 'dealer' | 'technician';
  payeeId!: string;
  /** The payee when it is a dealer (as before technicians were paid through Route). */
  dealerId!: string | null;
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
