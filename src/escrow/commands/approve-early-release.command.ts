import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { ApproveEarlyReleaseDto, EarlyReleaseDto } from '../controls/escrow-controls.dto.js';

/** The second approval of a pending early release, releasing the escrow (`ApproveEarlyReleaseHandler`). */
export class ApproveEarlyReleaseCommand extends Command<EarlyReleaseDto> {
  constructor(
    readonly earlyReleaseId: string,
    readonly approval: ApproveEarlyReleaseDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
