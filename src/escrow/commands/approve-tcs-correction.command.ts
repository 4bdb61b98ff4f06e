import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { TcsCorrectionDto } from '../tcs-correction/tcs-correction.dto.js';

/** Another finance user approves a TCS correction, posting its differences (`ApproveTcsCorrectionHandler`). */
export class ApproveTcsCorrectionCommand extends Command<TcsCorrectionDto> {
  constructor(
    readonly correctionId: string,
    readonly reason: string | undefined,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
