import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { TcsCorrectionDto } from '../tcs-correction/tcs-correction.dto.js';

/** Finance propose correcting the TCS of every `schedule` release not corrected yet (`ProposeTcsCorrectionHandler`). */
export class ProposeTcsCorrectionCommand extends Command<TcsCorrectionDto> {
  constructor(
    readonly reason: string,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
