import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;

export class RefundAfterReleaseParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

/**
 * What staff decide when they refund escrowed money to the buyer: how much and why (a refund after
 * release of a sub-order, `RequestRefundAfterReleaseDto`; a repair job's refund at release,
 * `RefundRepairAtReleaseDto`). Each route says up to what.
 */
export class StaffRefundRequestDto {
  /** What goes back to the buyer, in integer paise. */
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Integer paise' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountPaise!: number;

  /** Why (audit log; kept with the refund when one is recorded), e.g. a late return, work not done. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

/** A refund after release: at most what is left of the released amount goes back to the buyer. */
export class RequestRefundAfterReleaseDto extends StaffRefundRequestDto {}

/** A refund after release, as recorded (the refunds job sends it to the gateway, then posts it). */
export class RefundAfterReleaseDto {
  id!: string;
  subOrderId!: string;
  orderId!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  @ApiProperty({ enum: ['requested', 'processing', 'processed', 'failed'] })
  status!: 'requested' | 'processing' | 'processed' | 'failed';
  reason!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise released to the dealer' })
  releasedPaise!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Integer paise refunded or being refunded after release, this refund included',
  })
  refundedAfterReleasePaise!: number;
  requestedAt!: string;
}
