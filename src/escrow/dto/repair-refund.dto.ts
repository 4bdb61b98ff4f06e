import { ApiProperty } from '@nestjs/swagger';
import { StaffRefundRequestDto } from './refund-after-release.dto.js';

/** A done repair's refund at release: less than what is held goes back to the customer. */
export class RefundRepairAtReleaseDto extends StaffRefundRequestDto {}

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

/** One hold's part of a repair job's refund after release (a refund of the payment of that hold). */
export class RepairRefundAfterReleasePartDto {
  id!: string;
  paymentId!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  @ApiProperty({ enum: ['requested', 'processing', 'processed', 'failed'] })
  status!: 'requested' | 'processing' | 'processed' | 'failed';
}

/**
 * A repair job's refund after release, as recorded: one refund per released hold with a share
 * (the refunds job sends each to the gateway, then posts it).
 */
export class RepairRefundAfterReleaseDto {
  repairJobId!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  reason!: string;
  @ApiProperty({ type: 'integer', description: 'Integer paise released to the technician' })
  releasedPaise!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Integer paise refunded or being refunded after release, this refund included',
  })
  refundedAfterReleasePaise!: number;
  @ApiProperty({ type: [RepairRefundAfterReleasePartDto] })
  refunds!: RepairRefundAfterReleasePartDto[];
  requestedAt!: string;
}
