/**
 * A payee's Route account's settlement is its payout: `payout:<id>` (Dr the payee's payable / Cr
 * gateway receivable) for the gateway's amount, in the caller's transaction. A replay changes
 * nothing (the ledger key).
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Accounts } from '../../ledger/domain/account.js';
import { supplierPayout } from '../../ledger/domain/recipes.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { RecordPayoutCommand } from './record-payout.command.js';

@CommandHandler(RecordPayoutCommand)
export class RecordPayoutHandler implements ICommandHandler<RecordPayoutCommand> {
  constructor(private readonly ledger: LedgerService) {}

  async execute({ tx, payoutId, payee, amountPaise }: RecordPayoutCommand): Promise<void> {
    const command = supplierPayout({
      payoutId,
      supplier: payee,
      amountPaise: BigInt(amountPaise),
      sourceAccount: Accounts.gatewayReceivable,
      actor: 'system:settlements',
    });
    await this.ledger.postIn(tx, command, { what: `settlement ${payoutId}`, open: [] });
  }
}
