import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';

const NOT_BLANK = /\S/;

export class RefundRepairAtReleaseDto {
  /** What goes back to the customer when the job's escrow is released, in integer paise (less than what is held). */
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Integer paise' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountPaise!: number;

  /** Why (in the audit log), e.g. part of the repair not done. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

/** A done repair's escrow as it will be released: the refund to its customer, the rest to its technician. */
export class RepairRefundAtReleaseDto {
  repairJobId!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise held' })
  heldPaise!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Integer paise refunded to the customer at release',
  })
  refundAtReleasePaise!: number;
}
