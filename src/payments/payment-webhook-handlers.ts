/**
 * What Razorpay's payment events do (registered with the webhook inbox; each runs in the inbox row's
 * transaction, so the event is marked processed together with its effect).
 *
 * A signed payload is not trusted: before its transaction each handler's `confirm` fetches the object
 * the event names from the gateway and the handler applies what the gateway says (amount, currency,
 * status, order, fee), never the payload. When the gateway does not know the object, or contradicts
 * a claim of the payload (a field the payload states with another value), or the object's status is
 * not what the event announces, the event is rejected: nothing is applied, it is kept as `rejected`
 * and a `webhook_rejected` payment alert is raised. A gateway that cannot be reached retries the event.
 * - `payment.captured`, `order.paid`: the fetched payment (captured, or since refunded) is applied
 *   exactly as after Checkout's verification (a replay changes nothing). Before our payment row knows
 *   the gateway order (the webhook beat the recording of the gateway order id), the event waits a
 *   minute and is tried again.
 * - `payment.failed`: the fetched (failed) attempt is recorded unless the payment was captured
 *   meanwhile (states never go backwards); the order stays payable until its reservation expires.
 * - `refund.processed`, `refund.failed`: the fetched refund (processed, or failed) is posted (or
 *   marked failed) as when the gateway answers directly, when it refunds our payment by our amount
 *   (else rejected); a refund not recorded yet (its request still in flight) waits a minute.
 * - `settlement.processed`: src/payouts/settlements/settlement-webhook-handler.ts.
 * - `payment.authorized`: nothing (capture follows Checkout's verification or `payment.captured`).
 * Domain events of the sub-orders paid are published after the inbox's transaction commits.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import {
  PAYMENT_GATEWAY,
  type GatewayPayment,
  type GatewayPaymentStatus,
  type GatewayRefund,
  type PaymentGateway,
} from '../gateway/payment-gateway.js';
import { ApplyCaptureCommand } from './commands/apply-capture.command.js';
import { PaymentsService } from './payments.service.js';
import { RefundsService } from './refunds.service.js';
import {
  confirmedUnlessContradicted,
  contradictions,
  fetchKnown,
  payloadEntity,
} from '../gateway/webhooks/gateway-claims.js';
import {
  WebhookHandlers,
  type WebhookConfirmation,
  type WebhookOutcome,
} from '../gateway/webhooks/webhook-handlers.js';
import type { RazorpayWebhookEvent } from '../gateway/webhooks/webhook-event.js';

/** How long a capture waits for our payment row before it is tried again. */
const WAIT_FOR_PAYMENT_MS = 60_000;

/** The gateway payment statuses each payment event may be applied at. */
const PAYMENT_EVENT_STATUSES: Record<string, readonly GatewayPaymentStatus[]> = {
  'payment.captured': ['captured', 'refunded'],
  'order.paid': ['captured', 'refunded'],
  'payment.failed': ['failed'],
};

/**
 * What a payload's payment entity claims that the gateway's payment contradicts — its order, amount,
 * currency, fee, tax and status (a payment captured then refunded was captured: a capture's payload
 * still says so) — and a gateway status the event may not be applied at (`allowed`).
 */
export function paymentContradictions(
  claimed: Record<string, unknown>,
  gp: GatewayPayment,
  allowed: readonly GatewayPaymentStatus[],
): string[] {
  const differences = contradictions(claimed, {
    order_id: gp.orderId,
    amount: gp.amountPaise,
    currency: gp.currency,
    fee: gp.feePaise,
    tax: gp.feeTaxPaise,
  });
  const status = claimed.status;
  if (
    status !== undefined &&
    status !== null &&
    status !== gp.status &&
    !(status === 'captured' && gp.status === 'refunded')
  )
    differences.push(`status ${JSON.stringify(status)}, the gateway says "${gp.status}"`);
  else if (!allowed.includes(gp.status))
    differences.push(`the gateway says the payment is ${gp.status}`);
  return differences;
}

@Injectable()
export class PaymentWebhookHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: WebhookHandlers,
    private readonly commands: CommandBus,
    private readonly payments: PaymentsService,
    private readonly refunds: RefundsService,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    const payment = { confirm: (e: RazorpayWebhookEvent) => this.confirmPayment(e) };
    const captured = (tx: EntityManager, _e: RazorpayWebhookEvent, gp: GatewayPayment) =>
      this.captured(tx, gp);
    this.handlers.register('payment.captured', captured, payment);
    this.handlers.register('order.paid', captured, payment);
    this.handlers.register<GatewayPayment>(
      'payment.failed',
      async (tx, _e, gp) => {
        await this.payments.applyFailedIn(tx, gp);
        return 'done';
      },
      payment,
    );
    const refund = { confirm: (e: RazorpayWebhookEvent) => this.confirmRefund(e) };
    const refunded = (tx: EntityManager, _e: RazorpayWebhookEvent, answer: GatewayRefund) =>
      this.refunded(tx, answer);
    this.handlers.register('refund.processed', refunded, refund);
    this.handlers.register('refund.failed', refunded, refund);
  }

  /** The event's payment as the gateway has it, if it matches the payload and the event. */
  private async confirmPayment(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<GatewayPayment>> {
    const claimed = payloadEntity(event.payload, event.event, 'payment');
    const fetched = await fetchKnown(`payment ${claimed.id}`, () =>
      this.gateway.fetchPayment(claimed.id),
    );
    if ('rejected' in fetched) return fetched;
    const gp = fetched.known;
    const differences = paymentContradictions(claimed, gp, PAYMENT_EVENT_STATUSES[event.event]!);
    if (event.payload.order !== undefined) {
      const order = payloadEntity(event.payload, event.event, 'order');
      differences.push(...contradictions(order, { id: gp.orderId }).map((d) => `order ${d}`));
    }
    return confirmedUnlessContradicted(`${event.event} payment ${gp.id}`, differences, gp);
  }

  private async captured(tx: EntityManager, gp: GatewayPayment): Promise<WebhookOutcome> {
    const result = await this.commands.execute(new ApplyCaptureCommand(tx, gp));
    if (result.code === 'unknown_order')
      return {
        deferUntil: new Date(Date.now() + WAIT_FOR_PAYMENT_MS),
        reason: `no payment of ours for gateway order ${gp.orderId ?? '(none)'} yet`,
      };
    return 'done';
  }

  /** The event's refund as the gateway has it, if it matches the payload and the event. */
  private async confirmRefund(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<GatewayRefund>> {
    const claimed = payloadEntity(event.payload, event.event, 'refund');
    const fetched = await fetchKnown(`refund ${claimed.id}`, () =>
      this.gateway.fetchRefund(claimed.id),
    );
    if ('rejected' in fetched) return fetched;
    const answer = fetched.known;
    const differences = contradictions(claimed, {
      payment_id: answer.paymentId,
      amount: answer.amountPaise,
      status: answer.status,
    });
    const announced = event.event === 'refund.processed' ? 'processed' : 'failed';
    if (differences.length === 0 && answer.status !== announced)
      differences.push(`the gateway says the refund is ${answer.status}`);
    return confirmedUnlessContradicted(`${event.event} refund ${answer.id}`, differences, answer);
  }

  private async refunded(tx: EntityManager, answer: GatewayRefund): Promise<WebhookOutcome> {
    const refundId = await this.refunds.refundIdOf(tx, answer);
    if (refundId === null)
      return {
        deferUntil: new Date(Date.now() + WAIT_FOR_PAYMENT_MS),
        reason: `refund ${answer.id} not recorded yet`,
      };
    const disagreement = await this.refunds.disagreementWith(tx, refundId, answer);
    if (disagreement !== null) return { rejected: 'mismatch', detail: disagreement };
    await this.refunds.applyGatewayAnswerIn(tx, refundId, answer);
    return 'done';
  }
}
