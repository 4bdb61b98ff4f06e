/**
 * The `payments.route-release` job's work: the transfer is reversed down to the payee's net first —
 * in total transfer amount − net (`dealer_net_paise`, the dealer's or technician's), i.e. what the
 * platform keeps (commission or service fee, GST on it, TCS, TDS: hold − net) plus the lines
 * cancelled out of the hold after the transfer (reversed already by their refunds, or here if not
 * yet) — then its hold is lifted, so Razorpay settles exactly the payee's net. Both steps are idempotent on retry (the reversal tops the transfer's
 * amount already reversed up to that total; lifting twice changes nothing). A retryable gateway
 * error is thrown (the queue retries with backoff); a refusal is recorded for staff.
 */
import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import { lockTransfer, moveTransfer } from '../../payments/hold-transfer-moves.js';
import { ReleaseTransferCommand } from './release-transfer.command.js';

@CommandHandler(ReleaseTransferCommand)
export class ReleaseTransferHandler implements ICommandHandler<ReleaseTransferCommand> {
  private readonly logger = new Logger(ReleaseTransferHandler.name);

  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute({ holdId }: ReleaseTransferCommand): Promise<'released' | 'failed' | 'skipped'> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ transfer_id: string; transfer_amount_paise: string; dealer_net_paise: string }>(
        tx,
        `SELECT transfer_id, transfer_amount_paise::text AS transfer_amount_paise,
                coalesce(dealer_net_paise, amount_paise)::text AS dealer_net_paise
         FROM escrow_holds
         WHERE id = $1 AND status = 'released' AND transfer_status = 'on_hold'`,
        [holdId],
      ),
    );
    const hold = rows[0];
    if (hold === undefined) return 'skipped';
    const transferId = hold.transfer_id;
    const reversedTotal = Number(hold.transfer_amount_paise) - Number(hold.dealer_net_paise);
    try {
      if (reversedTotal > 0) {
        const t = await this.gateway.fetchTransfer(transferId);
        const toReverse = reversedTotal - t.amountReversedPaise;
        if (toReverse > 0) await this.gateway.reverseTransfer(transferId, toReverse);
      }
      await this.gateway.setTransferHold(transferId, false);
    } catch (err) {
      // Retryable: thrown, the queue retries with backoff. A refusal is recorded for staff.
      if (!(err instanceof GatewayError) || err.retryable) throw err;
      this.logger.warn(`lifting the hold of transfer ${transferId} failed: ${err.message}`);
      await this.transactions.run(async (tx) => {
        const locked = await lockTransfer(tx, holdId);
        if (locked.transfer_status === 'on_hold')
          await moveTransfer(
            tx,
            locked.id,
            'on_hold',
            'fail',
            'system',
            `lifting the hold: ${err.message}`,
          );
      });
      return 'failed';
    }
    await this.transactions.run(async (tx) => {
      const locked = await lockTransfer(tx, holdId);
      if (locked.transfer_status === 'on_hold')
        await moveTransfer(tx, locked.id, 'on_hold', 'release', 'system', null);
    });
    return 'released';
  }
}
