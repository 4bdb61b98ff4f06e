/**
 * The platform's settlement posts `settlement:<id>` (Dr `asset:bank:primary` / Cr gateway
 * receivable, ledger-spec recipe §11) for the gateway's amount, in the caller's transaction. A
 * replay changes nothing (the ledger key).
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Accounts } from '../../ledger/domain/account.js';
import { gatewaySettlement } from '../../ledger/domain/recipes.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { SettleCommand } from './settle.command.js';

/** The bank account Razorpay settles the platform's balance into (`asset:bank:primary`). */
export const SETTLEMENT_BANK_ACCOUNT = 'primary';

@CommandHandler(SettleCommand)
export class SettleHandler implements ICommandHandler<SettleCommand> {
  constructor(private readonly ledger: LedgerService) {}

  async execute({ tx, settlementId, amountPaise }: SettleCommand): Promise<void> {
    const command = gatewaySettlement({
      settlementId,
      bankAccountId: SETTLEMENT_BANK_ACCOUNT,
      amountPaise: BigInt(amountPaise),
      actor: 'system:settlements',
    });
    await this.ledger.postIn(tx, command, {
      what: `settlement ${settlementId}`,
      open: [Accounts.bank(SETTLEMENT_BANK_ACCOUNT)],
    });
  }
}
