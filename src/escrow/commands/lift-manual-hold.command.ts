import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { EscrowHoldControlDto } from '../controls/escrow-controls.dto.js';

/** Staff lift the active manual hold of a sub-order's escrow (`LiftManualHoldHandler`). */
export class LiftManualHoldCommand extends Command<EscrowHoldControlDto> {
  constructor(
    readonly subOrderId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
