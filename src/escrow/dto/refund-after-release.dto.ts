import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_BLANK = /\S/;

export class RefundAfterReleaseParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

export class RequestRefundAfterReleaseDto {
  /** What goes back to the buyer, in integer paise (at most what is left of the released amount). */
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Integer paise' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountPaise!: number;

  /** Why (kept with the refund and in the audit log), e.g. a return discovered after release. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

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
