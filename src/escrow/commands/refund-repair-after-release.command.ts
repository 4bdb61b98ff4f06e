import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { RequestRefundAfterReleaseDto } from '../dto/refund-after-release.dto.js';
import type { RepairRefundAfterReleaseDto } from '../dto/repair-refund.dto.js';

/**
 * Staff refund part or all of a repair job whose escrow was released to its technician, clawed
 * back from the technician (`RefundRepairAfterReleaseHandler`).
 */
export class RefundRepairAfterReleaseCommand extends Command<RepairRefundAfterReleaseDto> {
  constructor(
    readonly repairJobId: string,
    readonly request: RequestRefundAfterReleaseDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
