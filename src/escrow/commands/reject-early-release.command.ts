import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { EarlyReleaseDto } from '../controls/escrow-controls.dto.js';

/** A pending early release is rejected, or withdrawn by its proposer (`RejectEarlyReleaseHandler`). */
export class RejectEarlyReleaseCommand extends Command<EarlyReleaseDto> {
  constructor(
    readonly earlyReleaseId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
