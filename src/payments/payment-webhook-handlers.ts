/**
 * What Razorpay's payment events do (registered with the webhook inbox; each runs in the inbox row's
 * transaction, so the event is marked processed together with its effect):
 * - `payment.captured`, `order.paid`: the capture is applied exactly as after Checkout's verification
 *   (a replay changes nothing). Before our payment row knows the gateway order (the webhook beat the
 *   recording of the gateway order id), the event waits a minute and is tried again.
 * - `payment.failed`: the attempt is recorded as failed unless the payment was captured meanwhile
 *   (states never go backwards); the order stays payable until its reservation expires.
 * - `refund.processed`, `refund.failed`: the refund is posted (or marked failed) as when the gateway
 *   answers directly; a refund not recorded yet (its request still in flight) waits a minute.
 * - `settlement.processed`: money leaving Razorpay. The platform's own settlement posts
 *   `settlement:<id>` (Dr `asset:bank:primary` / Cr gateway receivable, recipe §11); a dealer's Route
 *   account's settlement is its payout, `payout:<id>` (Dr its payable / Cr gateway receivable). A replay
 *   changes nothing (ledger keys).
 * - `payment.authorized`: nothing (capture follows Checkout's verification or `payment.captured`).
 * Domain events of the sub-orders paid are published after the inbox's transaction commits.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { execute } from '../database/sql.js';
import { Accounts } from '../ledger/domain/account.js';
import { gatewaySettlement, supplierPayout } from '../ledger/domain/recipes.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import { toPayment, toRefund } from './gateway/razorpay.gateway.js';
import { PaymentsService } from './payments.service.js';
import { RefundsService } from './refunds.service.js';
import { WebhookHandlers, type WebhookOutcome } from './webhooks/webhook-handlers.js';
import type { RazorpayWebhookEvent } from './webhooks/webhook-event.js';

/** The bank account Razorpay settles the platform's balance into (`asset:bank:primary`). */
export const SETTLEMENT_BANK_ACCOUNT = 'primary';

/** How long a capture waits for our payment row before it is tried again. */
const WAIT_FOR_PAYMENT_MS = 60_000;

function paymentEntityOf(event: RazorpayWebhookEvent): unknown {
  const payment = event.payload.payment as { entity?: unknown } | undefined;
  if (payment?.entity === undefined) throw new Error(`${event.event} without a payment entity`);
  return payment.entity;
}

@Injectable()
export class PaymentWebhookHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: WebhookHandlers,
    private readonly payments: PaymentsService,
    private readonly refunds: RefundsService,
    private readonly events: EventBus,
    private readonly ledger: LedgerService,
  ) {}

  onModuleInit(): void {
    const captured = async (
      tx: Parameters<PaymentsService['applyCapturedIn']>[0],
      event: RazorpayWebhookEvent,
    ): Promise<WebhookOutcome> => {
      const gp = toPayment(paymentEntityOf(event));
      if (gp.status !== 'captured') return 'done';
      const { result, events } = await this.payments.applyCapturedIn(tx, gp);
      if (result.code === 'unknown_order')
        return {
          deferUntil: new Date(Date.now() + WAIT_FOR_PAYMENT_MS),
          reason: `no payment of ours for gateway order ${gp.orderId ?? '(none)'} yet`,
        };
      return { afterCommit: () => this.events.publishAll(events) };
    };
    this.handlers.register('payment.captured', captured);
    this.handlers.register('order.paid', captured);
    const refund = async (
      tx: Parameters<PaymentsService['applyCapturedIn']>[0],
      event: RazorpayWebhookEvent,
    ): Promise<WebhookOutcome> => {
      const entity = (event.payload.refund as { entity?: unknown } | undefined)?.entity;
      if (entity === undefined) throw new Error(`${event.event} without a refund entity`);
      const answer = toRefund(entity);
      const refundId = await this.refunds.refundIdOf(tx, answer);
      if (refundId === null)
        return {
          deferUntil: new Date(Date.now() + WAIT_FOR_PAYMENT_MS),
          reason: `refund ${answer.id} not recorded yet`,
        };
      await this.refunds.applyGatewayAnswerIn(tx, refundId, answer);
      return 'done';
    };
    this.handlers.register('refund.processed', refund);
    this.handlers.register('refund.failed', refund);
    this.handlers.register('settlement.processed', async (tx, event) => {
      const entity = (event.payload.settlement as { entity?: unknown } | undefined)?.entity as
        { id?: unknown; amount?: unknown } | undefined;
      if (typeof entity?.id !== 'string' || typeof entity.amount !== 'number' || entity.amount <= 0)
        throw new Error('settlement.processed without a settlement entity');
      const { rows } = await execute<{ dealer_id: string }>(
        tx,
        `SELECT dealer_id::text AS dealer_id FROM dealer_route_accounts WHERE gateway_account_id = $1`,
        [event.accountId ?? ''],
      );
      const amountPaise = BigInt(entity.amount);
      const command =
        rows[0] !== undefined
          ? supplierPayout({
              payoutId: entity.id,
              supplier: { kind: 'dealer', id: rows[0].dealer_id },
              amountPaise,
              sourceAccount: Accounts.gatewayReceivable,
              actor: 'system:settlements',
            })
          : gatewaySettlement({
              settlementId: entity.id,
              bankAccountId: SETTLEMENT_BANK_ACCOUNT,
              amountPaise,
              actor: 'system:settlements',
            });
      if (rows[0] === undefined) {
        const opened = await this.ledger.executeIn(tx, {
          type: 'open_account',
          code: Accounts.bank(SETTLEMENT_BANK_ACCOUNT),
        });
        if (opened.code !== 'ok')
          throw new Error(`ledger refused the bank account: ${opened.code}`);
      }
      const posted = await this.ledger.executeIn(tx, command);
      if (posted.code !== 'ok')
        throw new Error(`ledger refused settlement ${entity.id}: ${posted.code}`);
      return 'done';
    });
    this.handlers.register('payment.failed', async (tx, event) => {
      await this.payments.applyFailedIn(tx, toPayment(paymentEntityOf(event)));
      return 'done';
    });
  }
}
