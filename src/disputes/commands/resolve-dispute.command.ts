import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { DisputeDto, ResolveDisputeDto } from '../dto/dispute.dto.js';

/** Staff resolve a dispute: release, full refund or partial refund (`ResolveDisputeHandler`). */
export class ResolveDisputeCommand extends Command<DisputeDto> {
  constructor(
    readonly disputeId: string,
    readonly resolution: ResolveDisputeDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
