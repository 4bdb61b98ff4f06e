import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { EarlyReleaseDto, RequestEarlyReleaseDto } from '../controls/escrow-controls.dto.js';

/** Early release of a delivered sub-order's escrow: at once, or pending a second approver (`RequestEarlyReleaseHandler`). */
export class RequestEarlyReleaseCommand extends Command<EarlyReleaseDto> {
  constructor(
    readonly subOrderId: string,
    readonly request: RequestEarlyReleaseDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
