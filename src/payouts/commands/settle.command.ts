import { Command } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';

/**
 * Razorpay settled the platform's balance into its bank account (`SettleHandler`). Dispatched by
 * the `settlement.processed` webhook handler: it runs in `tx`, the inbox row's transaction.
 */
export class SettleCommand extends Command<void> {
  constructor(
    readonly tx: EntityManager,
    readonly settlementId: string,
    readonly amountPaise: number,
  ) {
    super();
  }
}
