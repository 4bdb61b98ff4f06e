import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { RepairJobEscrowControlDto } from '../controls/escrow-controls.dto.js';

/** Staff lift the manual hold on a repair job's escrow (`LiftJobManualHoldHandler`). */
export class LiftJobManualHoldCommand extends Command<RepairJobEscrowControlDto> {
  constructor(
    readonly repairJobId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
