import { Command } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';

/**
 * Razorpay settled a payee's (dealer's or technician's) Route account: the payee's payout (`RecordPayoutHandler`).
 * Dispatched by the `settlement.processed` webhook handler: it runs in `tx`, the inbox row's
 * transaction.
 */
export class RecordPayoutCommand extends Command<void> {
  constructor(
    readonly tx: EntityManager,
    readonly payoutId: string,
    readonly payee: { kind: 'dealer' | 'technician'; id: string },
    readonly amountPaise: number,
  ) {
    super();
  }
}
