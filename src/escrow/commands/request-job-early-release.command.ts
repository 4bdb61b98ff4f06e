import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { EarlyReleaseDto, RequestEarlyReleaseDto } from '../controls/escrow-controls.dto.js';

/**
 * Early release of a done repair job's escrow: at once, or pending a second approver
 * (`RequestJobEarlyReleaseHandler`).
 */
export class RequestJobEarlyReleaseCommand extends Command<EarlyReleaseDto> {
  constructor(
    readonly repairJobId: string,
    readonly request: RequestEarlyReleaseDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
