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
