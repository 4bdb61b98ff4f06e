import { Command } from '@nestjs/cqrs';
import type { TransferOutcome } from './transfer-hold.steps.js';

/**
 * Transfer one escrow hold (a sub-order's or a repair job's) to its payee's activated Route account, on hold
 * (`TransferHoldHandler`). Dispatched by the `payments.route-transfers` job worker
 * (`RouteTransfersService.transferHolds`), one per eligible hold.
 */
export class TransferHoldCommand extends Command<TransferOutcome> {
  constructor(readonly holdId: string) {
    super();
  }
}
