import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { LedgerAdjustmentDto, ProposeAdjustmentDto } from '../dto/ledger-adjustment.dto.js';

/** A finance user proposes a balanced manual entry (maker; `ProposeAdjustmentHandler`). */
export class ProposeAdjustmentCommand extends Command<LedgerAdjustmentDto> {
  constructor(
    readonly proposal: ProposeAdjustmentDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
