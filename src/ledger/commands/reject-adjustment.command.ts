import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { LedgerAdjustmentDto } from '../dto/ledger-adjustment.dto.js';

/** A proposed adjustment is rejected, or withdrawn by its proposer (`RejectAdjustmentHandler`). */
export class RejectAdjustmentCommand extends Command<LedgerAdjustmentDto> {
  constructor(
    readonly adjustmentId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
