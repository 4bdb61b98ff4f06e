/**
 * The Payment Link and UPI QR code events of the technician's terminal (registered with the webhook
 * inbox; each runs in the inbox row's transaction). As every payment event, nothing is applied on the
 * payload: `confirm` fetches the link or QR code and the payment from the gateway first (outside any
 * transaction), and the event is rejected (kept `rejected`, a `webhook_rejected` alert) when the
 * gateway does not know them or contradicts the payload.
 *
 * - `payment_link.paid`, `payment_link.partially_paid`: the link as the gateway has it (in the
 *   announced status) and the payment, captured, of the link's order and among the link's payments;
 *   the payment is captured through the one capture path into the job's escrow, bound to the job's
 *   payment our request names (`ApplyCaptureCommand` with the request). A part payment (our links
 *   take none) or a payment short of the job's amount is kept in escrow flagged `unpayable`.
 * - `qr_code.credited`: the QR code and the payment, captured, with no order and among the QR code's
 *   payments (`paymentsOfQrCode`); captured the same way.
 * - `payment_link.expired`, `payment_link.cancelled`, `qr_code.closed`: the gateway's link (in that
 *   status) or QR code (closed): our live request is closed (expired or cancelled, by the gateway) and
 *   a new one may be made; one we closed already is marked closed at the gateway too.
 * A link or QR code that is no request of ours is rejected when paid (money we cannot place), and
 * changes nothing when it closes. Replays change nothing (the capture is applied once; a closed
 * request stays closed).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import {
  PAYMENT_GATEWAY,
  type GatewayPayment,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import {
  confirmedUnlessContradicted,
  contradictions,
  fetchKnown,
  payloadEntity,
} from '../../gateway/webhooks/gateway-claims.js';
import type { RazorpayWebhookEvent } from '../../gateway/webhooks/webhook-event.js';
import {
  WebhookHandlers,
  type WebhookConfirmation,
  type WebhookOutcome,
} from '../../gateway/webhooks/webhook-handlers.js';
import { ApplyCaptureCommand } from '../commands/apply-capture.command.js';
import { paymentContradictions } from '../payment-webhook-handlers.js';
import {
  closeRequestIn,
  lockRequestBy,
  REQUEST_COLUMNS,
  type PaymentRequestRow,
} from './payment-request-store.js';

/** A link's or QR code's payment as the gateway confirmed it. */
interface ConfirmedPayment {
  gatewayId: string;
  gp: GatewayPayment;
}

/** A link or QR code closed at the gateway, as it confirmed it. */
interface ConfirmedClose {
  gatewayId: string;
  event: 'expire' | 'cancel';
  reason: string;
}

const CAPTURED = ['captured', 'refunded'] as const;

@Injectable()
export class TerminalWebhookHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: WebhookHandlers,
    private readonly commands: CommandBus,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    const paid = (tx: EntityManager, _e: RazorpayWebhookEvent, c: ConfirmedPayment) =>
      this.paid(tx, c);
    const closed = (tx: EntityManager, _e: RazorpayWebhookEvent, c: ConfirmedClose) =>
      this.closed(tx, c);
    const link = { confirm: (e: RazorpayWebhookEvent) => this.confirmLinkPayment(e) };
    this.handlers.register('payment_link.paid', paid, link);
    this.handlers.register('payment_link.partially_paid', paid, link);
    this.handlers.register('qr_code.credited', paid, {
      confirm: (e: RazorpayWebhookEvent) => this.confirmQrPayment(e),
    });
    const linkClosed = { confirm: (e: RazorpayWebhookEvent) => this.confirmLinkClosed(e) };
    this.handlers.register('payment_link.expired', closed, linkClosed);
    this.handlers.register('payment_link.cancelled', closed, linkClosed);
    this.handlers.register('qr_code.closed', closed, {
      confirm: (e: RazorpayWebhookEvent) => this.confirmQrClosed(e),
    });
  }

  private async confirmLinkPayment(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<ConfirmedPayment>> {
    const claimedLink = payloadEntity(event.payload, event.event, 'payment_link');
    const claimed = payloadEntity(event.payload, event.event, 'payment');
    const link = await fetchKnown(`payment link ${claimedLink.id}`, () =>
      this.gateway.fetchPaymentLink(claimedLink.id),
    );
    if ('rejected' in link) return link;
    const payment = await fetchKnown(`payment ${claimed.id}`, () =>
      this.gateway.fetchPayment(claimed.id),
    );
    if ('rejected' in payment) return payment;
    const l = link.known;
    const gp = payment.known;
    const differences = [
      ...contradictions(claimedLink, {
        amount: l.amountPaise,
        amount_paid: l.amountPaidPaise,
        status: l.status,
        order_id: l.orderId,
      }).map((d) => `payment link ${d}`),
      ...paymentContradictions(claimed, gp, CAPTURED),
    ];
    const announced = event.event === 'payment_link.paid' ? 'paid' : 'partially_paid';
    if (l.status !== announced) differences.push(`the gateway says the link is ${l.status}`);
    if (gp.orderId === null || gp.orderId !== l.orderId || !l.payments.some((p) => p.id === gp.id))
      differences.push(`the gateway says payment ${gp.id} is not the link's`);
    return confirmedUnlessContradicted(`${event.event} ${l.id} payment ${gp.id}`, differences, {
      gatewayId: l.id,
      gp,
    });
  }

  private async confirmQrPayment(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<ConfirmedPayment>> {
    const claimedQr = payloadEntity(event.payload, event.event, 'qr_code');
    const claimed = payloadEntity(event.payload, event.event, 'payment');
    const qr = await fetchKnown(`qr code ${claimedQr.id}`, () =>
      this.gateway.paymentsOfQrCode(claimedQr.id),
    );
    if ('rejected' in qr) return qr;
    const payment = await fetchKnown(`payment ${claimed.id}`, () =>
      this.gateway.fetchPayment(claimed.id),
    );
    if ('rejected' in payment) return payment;
    const gp = payment.known;
    const differences = paymentContradictions(claimed, gp, CAPTURED);
    if (gp.orderId !== null || !qr.known.some((p) => p.id === gp.id))
      differences.push(`the gateway says payment ${gp.id} is not the QR code's`);
    return confirmedUnlessContradicted(
      `${event.event} ${claimedQr.id} payment ${gp.id}`,
      differences,
      { gatewayId: claimedQr.id, gp },
    );
  }

  private async confirmLinkClosed(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<ConfirmedClose>> {
    const claimed = payloadEntity(event.payload, event.event, 'payment_link');
    const link = await fetchKnown(`payment link ${claimed.id}`, () =>
      this.gateway.fetchPaymentLink(claimed.id),
    );
    if ('rejected' in link) return link;
    const l = link.known;
    const announced = event.event === 'payment_link.expired' ? 'expired' : 'cancelled';
    const differences = contradictions(claimed, { status: l.status });
    if (differences.length === 0 && l.status !== announced)
      differences.push(`the gateway says the link is ${l.status}`);
    return confirmedUnlessContradicted(`${event.event} ${l.id}`, differences, {
      gatewayId: l.id,
      event: announced === 'expired' ? 'expire' : 'cancel',
      reason: `${announced} at the gateway`,
    });
  }

  private async confirmQrClosed(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<ConfirmedClose>> {
    const claimed = payloadEntity(event.payload, event.event, 'qr_code');
    const fetched = await fetchKnown(`qr code ${claimed.id}`, () =>
      this.gateway.fetchQrCode(claimed.id),
    );
    if ('rejected' in fetched) return fetched;
    const q = fetched.known;
    const differences = contradictions(claimed, { status: q.status, close_reason: q.closeReason });
    if (differences.length === 0 && q.status !== 'closed')
      differences.push(`the gateway says the QR code is ${q.status}`);
    return confirmedUnlessContradicted(`${event.event} ${q.id}`, differences, {
      gatewayId: q.id,
      event: 'cancel',
      reason: `closed at the gateway (${q.closeReason ?? 'expired'})`,
    });
  }

  /** The payment captured through the one capture path, bound to our request's payment. */
  private async paid(tx: EntityManager, c: ConfirmedPayment): Promise<WebhookOutcome> {
    // Not locked here: the capture locks the job, the payment and then the request, in that order.
    const { rows } = await execute<PaymentRequestRow>(
      tx,
      `SELECT ${REQUEST_COLUMNS} FROM payment_requests WHERE gateway_id = $1`,
      [c.gatewayId],
    );
    const request = rows[0];
    if (request === undefined)
      return {
        rejected: 'mismatch',
        detail: `${c.gatewayId} is no payment request of ours (payment ${c.gp.id})`,
      };
    const result = await this.commands.execute(
      new ApplyCaptureCommand(tx, c.gp, { requestId: request.id, paymentId: request.payment_id }),
    );
    if (result.code === 'unknown_order') throw new Error(`payment ${request.payment_id} not found`);
    return 'done';
  }

  /** Our live request closed as the gateway closed it (a request paid stays paid). */
  private async closed(tx: EntityManager, c: ConfirmedClose): Promise<WebhookOutcome> {
    const request = await lockRequestBy(tx, 'gateway_id', c.gatewayId);
    if (request === undefined) return 'done';
    if (request.status === 'creating' || request.status === 'open')
      await closeRequestIn(
        tx,
        request,
        { event: c.event, actor: 'gateway', reason: c.reason },
        true,
      );
    else if (!request.gateway_closed)
      await execute(
        tx,
        `UPDATE payment_requests SET gateway_closed = true, updated_at = now() WHERE id = $1`,
        [request.id],
      );
    return 'done';
  }
}
