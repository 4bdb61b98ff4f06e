/**
 * Settlements: money leaving Razorpay (registered with the webhook inbox; runs in the inbox row's
 * transaction, so the event is marked processed together with its entry).
 *
 * `settlement.processed`, fetched as the account the event is for (a signed payload is not
 * trusted: a settlement the gateway does not know, or that contradicts the payload, is rejected as
 * for every payment event). The platform's own settlement is a `SettleCommand` (posts
 * `settlement:<id>`: Dr `asset:bank:primary` / Cr gateway receivable, recipe §11); a payee's
 * (dealer's or technician's) Route account's settlement is its payout, a `RecordPayoutCommand` (posts `payout:<id>`: Dr its payable /
 * Cr gateway receivable), both for the gateway's amount and run in the inbox row's transaction. A
 * replay changes nothing (ledger keys).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  PAYMENT_GATEWAY,
  type GatewaySettlement,
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
import { RecordPayoutCommand } from '../commands/record-payout.command.js';
import { SettleCommand } from '../commands/settle.command.js';

/** A settlement as the gateway reports it, and the payee whose Route account it paid (else the platform's). */
interface ConfirmedSettlement {
  settlement: GatewaySettlement;
  payee: { kind: 'dealer' | 'technician'; id: string } | null;
}

@Injectable()
export class SettlementWebhookHandler implements OnModuleInit {
  constructor(
    private readonly handlers: WebhookHandlers,
    private readonly commands: CommandBus,
    private readonly transactions: TransactionRunner,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    this.handlers.register<ConfirmedSettlement>(
      'settlement.processed',
      (tx, _e, confirmed) => this.settled(tx, confirmed),
      { confirm: (e) => this.confirmSettlement(e) },
    );
  }

  /**
   * The event's settlement as the gateway has it for the account the event is for (a payee's Route
   * account, else the platform's), if it matches the payload and is processed.
   */
  private async confirmSettlement(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<ConfirmedSettlement>> {
    const claimed = payloadEntity(event.payload, event.event, 'settlement');
    const { rows } = await this.transactions.run((tx) =>
      execute<{ kind: 'dealer' | 'technician'; id: string }>(
        tx,
        `SELECT payee_kind AS kind, payee_id::text AS id FROM payee_route_accounts
         WHERE gateway_account_id = $1`,
        [event.accountId ?? ''],
      ),
    );
    const payee = rows[0] ?? null;
    const fetched = await fetchKnown(
      payee === null
        ? `settlement ${claimed.id} of the platform`
        : `settlement ${claimed.id} of account ${event.accountId}`,
      () => this.gateway.fetchSettlement(claimed.id, payee === null ? undefined : event.accountId!),
    );
    if ('rejected' in fetched) return fetched;
    const settlement = fetched.known;
    const differences = contradictions(claimed, {
      amount: settlement.amountPaise,
      fees: settlement.feesPaise,
      tax: settlement.taxPaise,
      status: settlement.status,
    });
    if (settlement.status !== 'processed' || settlement.amountPaise <= 0)
      differences.push(
        `the gateway says the settlement is ${settlement.status} for ${settlement.amountPaise} paise`,
      );
    return confirmedUnlessContradicted(`${event.event} settlement ${settlement.id}`, differences, {
      settlement,
      payee,
    });
  }

  private async settled(
    tx: EntityManager,
    { settlement, payee }: ConfirmedSettlement,
  ): Promise<WebhookOutcome> {
    await this.commands.execute(
      payee !== null
        ? new RecordPayoutCommand(tx, settlement.id, payee, settlement.amountPaise)
        : new SettleCommand(tx, settlement.id, settlement.amountPaise),
    );
    return 'done';
  }
}
