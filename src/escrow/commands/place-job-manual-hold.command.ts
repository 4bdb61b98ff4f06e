import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { RepairJobEscrowControlDto } from '../controls/escrow-controls.dto.js';

/** Staff stop the release of a repair job's held escrow until lifted (`PlaceJobManualHoldHandler`). */
export class PlaceJobManualHoldCommand extends Command<RepairJobEscrowControlDto> {
  constructor(
    readonly repairJobId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
