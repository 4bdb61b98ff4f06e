import { Command } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';

/**
 * Razorpay settled a dealer's Route account: the dealer's payout (`RecordPayoutHandler`).
 * Dispatched by the `settlement.processed` webhook handler: it runs in `tx`, the inbox row's
 * transaction.
 */
export class RecordPayoutCommand extends Command<void> {
  constructor(
    readonly tx: EntityManager,
    readonly payoutId: string,
    readonly dealerId: string,
    readonly amountPaise: number,
  ) {
    super();
  }
}
