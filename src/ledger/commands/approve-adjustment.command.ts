import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { LedgerAdjustmentDto } from '../dto/ledger-adjustment.dto.js';

/** Another finance user approves a proposed adjustment, posting it (checker; `ApproveAdjustmentHandler`). */
export class ApproveAdjustmentCommand extends Command<LedgerAdjustmentDto> {
  constructor(
    readonly adjustmentId: string,
    readonly reason: string | undefined,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
