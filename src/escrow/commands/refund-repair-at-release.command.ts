import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type {
  RefundRepairAtReleaseDto,
  RepairRefundAtReleaseDto,
} from '../dto/repair-refund.dto.js';

/** Staff refund part of a done repair job at its release (`RefundRepairAtReleaseHandler`). */
export class RefundRepairAtReleaseCommand extends Command<RepairRefundAtReleaseDto> {
  constructor(
    readonly repairJobId: string,
    readonly request: RefundRepairAtReleaseDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
