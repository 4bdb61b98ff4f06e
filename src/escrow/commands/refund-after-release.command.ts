import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type {
  RefundAfterReleaseDto,
  RequestRefundAfterReleaseDto,
} from '../dto/refund-after-release.dto.js';

/** Staff refund part or all of a released sub-order, clawed back from its dealer (`RefundAfterReleaseHandler`). */
export class RefundAfterReleaseCommand extends Command<RefundAfterReleaseDto> {
  constructor(
    readonly subOrderId: string,
    readonly request: RequestRefundAfterReleaseDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
