import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { EscrowHoldControlDto } from '../controls/escrow-controls.dto.js';

/** Staff stop the release of a sub-order's held escrow until lifted (`PlaceManualHoldHandler`). */
export class PlaceManualHoldCommand extends Command<EscrowHoldControlDto> {
  constructor(
    readonly subOrderId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
