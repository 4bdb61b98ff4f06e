import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { TcsCorrectionDto } from '../tcs-correction/tcs-correction.dto.js';

/** A proposed TCS correction is rejected, or withdrawn by its proposer (`RejectTcsCorrectionHandler`). */
export class RejectTcsCorrectionCommand extends Command<TcsCorrectionDto> {
  constructor(
    readonly correctionId: string,
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
