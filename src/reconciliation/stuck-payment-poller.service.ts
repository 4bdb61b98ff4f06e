/**
 * The stuck-payment poller: resolves payments stuck without a webhook or a Checkout
 * verification (the buyer's app died, a webhook was lost, the process crashed between the gateway's
 * answer and our write). Every minute, the `payments.reconcile` job asks Razorpay about each payment
 * of ours that is open (created or authorized) for longer than RECONCILE_AFTER_SECONDS and younger
 * than two days: a captured payment is applied exactly as Checkout's verification would (replays are
 * no-ops), an authorized one is captured first, and failed attempts are recorded. A payment whose
 * intent was stored but whose gateway order was never recorded (`creating`) is left for the buyer's
 * next `POST …/payments`, which reuses it.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { GatewayError, PAYMENT_GATEWAY, type PaymentGateway } from '../gateway/payment-gateway.js';
import { ApplyCaptureCommand } from '../payments/commands/apply-capture.command.js';
import { PaymentsService } from '../payments/payments.service.js';

export const RECONCILE_JOBS = { payments: 'payments.reconcile' } as const;

/** A payment is looked up once it has been open this long (Checkout and webhooks usually win first). */
export const RECONCILE_AFTER_SECONDS = 120;
/** Payments per pass. */
const BATCH = 100;

export interface ReconcileResult {
  checked: number;
  captured: number;
  failed: number;
  errors: number;
}

@Injectable()
export class StuckPaymentPoller implements OnModuleInit {
  private readonly logger = new Logger(StuckPaymentPoller.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly commands: CommandBus,
    private readonly payments: PaymentsService,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: RECONCILE_JOBS.payments,
      cron: '* * * * *',
      handler: () => this.reconcile(),
    });
  }

  async reconcile(afterSeconds = RECONCILE_AFTER_SECONDS): Promise<ReconcileResult> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ gateway_order_id: string }>(
        tx,
        `SELECT gateway_order_id FROM payments
         WHERE status IN ('created','authorized') AND gateway_order_id IS NOT NULL
           AND updated_at <= now() - make_interval(secs => $1)
           AND created_at > now() - interval '2 days'
         ORDER BY updated_at LIMIT $2`,
        [afterSeconds, BATCH],
      ),
    );
    const result: ReconcileResult = { checked: 0, captured: 0, failed: 0, errors: 0 };
    for (const { gateway_order_id } of rows) {
      result.checked += 1;
      try {
        const attempts = await this.gateway.paymentsOfOrder(gateway_order_id);
        let settled = false;
        for (let gp of attempts) {
          if (gp.status === 'authorized')
            gp = await this.gateway.capturePayment(gp.id, gp.amountPaise);
          if (gp.status === 'captured') {
            const r = await this.commands.execute(new ApplyCaptureCommand(null, gp));
            if (r.code === 'applied') result.captured += 1;
            settled = true;
          }
        }
        if (!settled)
          for (const gp of attempts.filter((a) => a.status === 'failed')) {
            await this.payments.applyFailed(gp);
            result.failed += 1;
          }
        // Looked at: the next look-up waits another interval.
        await this.payments.markLookedAt(gateway_order_id);
      } catch (err) {
        result.errors += 1;
        const what = err instanceof GatewayError ? 'gateway' : 'internal';
        this.logger.warn(`reconciling ${gateway_order_id} (${what}): ${(err as Error).message}`);
      }
    }
    return result;
  }
}
