import { Command } from '@nestjs/cqrs';

/**
 * Lift the hold of a released escrow hold's Route transfer, after reversing it down to the payee's
 * net (`ReleaseTransferHandler`). Dispatched by the `payments.route-release` job worker
 * (`RouteTransfersService.releaseTransfer`).
 */
export class ReleaseTransferCommand extends Command<'released' | 'failed' | 'skipped'> {
  constructor(readonly holdId: string) {
    super();
  }
}
