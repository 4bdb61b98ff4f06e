/**
 * Payments against the local Razorpay sandbox: the app started with its gateway pointed at a sandbox
 * of its own, and paying an order the way a buyer's app does (open the payment, pay its gateway order
 * at the sandbox — Checkout's part — and hand Checkout's answer to `…/verify`).
 */
import {
  startRazorpaySandbox,
  type RazorpaySandbox,
  type SandboxOptions,
} from '../../scripts/razorpay-sandbox/sandbox.js';
import { SANDBOX_RAZORPAY } from '../../src/config/app-config.js';
import { Accounts } from '../../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../../src/ledger/persistence/ledger.service.js';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../../src/gateway/payment-gateway.js';
import { QUIET_ENV, type SignedIn } from './accounts.js';
import type { components } from './api-types.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { withClient } from './test-database.js';

export type Payment = components['schemas']['PaymentDto'];

export interface SandboxApp {
  sandbox: RazorpaySandbox;
  t: TestApp;
  /** Closes the app, then stops the sandbox (even when closing the app fails). */
  close(): Promise<void>;
}

export interface SandboxAppOptions {
  /** More app environment, over QUIET_ENV and RAZORPAY_API_URL. */
  env?: Record<string, string>;
  /**
   * Whether the sandbox POSTs its webhooks to the app's `/webhooks/razorpay` from the start
   * (default false: they are only logged until a test calls `sandbox.control.setWebhookUrl`).
   */
  webhooks?: boolean;
  /** Whether the sandbox activates linked accounts as they are created (default false). */
  activateAccounts?: SandboxOptions['activateAccounts'];
  /** Providers of the app replaced by values (`TestAppOptions.overrides`). */
  overrides?: TestAppOptions['overrides'];
}

/**
 * A Razorpay sandbox with the SANDBOX_RAZORPAY keys, and the app (QUIET_ENV) calling it over HTTP.
 * `beforeAll(async () => { started = await startSandboxApp(); ({ sandbox, t } = started); })`,
 * `afterAll(() => started?.close())`.
 */
export async function startSandboxApp(options: SandboxAppOptions = {}): Promise<SandboxApp> {
  const sandbox = await startRazorpaySandbox({
    ...SANDBOX_RAZORPAY,
    activateAccounts: options.activateAccounts,
  });
  let t: TestApp;
  try {
    t = await startTestApp({
      env: { ...QUIET_ENV, RAZORPAY_API_URL: sandbox.url, ...options.env },
      ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
    });
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  if (options.webhooks) sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);
  return {
    sandbox,
    t,
    close: async () => {
      try {
        await t.close();
      } finally {
        await sandbox.stop();
      }
    },
  };
}

/** The order's payment opened, then captured at the sandbox and verified (fails the test otherwise). */
export async function payThroughSandbox(
  t: TestApp,
  sandbox: RazorpaySandbox,
  buyer: SignedIn,
  orderId: string,
): Promise<Payment> {
  const opened = await t.api.POST('/orders/{orderId}/payments', {
    params: { path: { orderId } },
    headers: buyer.headers,
  });
  return completeAtSandbox(t, sandbox, buyer, orderId, opened.data!.gatewayOrderId!);
}

/** An opened payment paid at the sandbox (Checkout's part) and verified: captured (or the test fails). */
export async function completeAtSandbox(
  t: TestApp,
  sandbox: RazorpaySandbox,
  buyer: SignedIn,
  orderId: string,
  gatewayOrderId: string,
): Promise<Payment> {
  const paid = sandbox.control.pay(gatewayOrderId, { outcome: 'captured' });
  if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
  const verified = await t.api.POST('/orders/{orderId}/payments/verify', {
    params: { path: { orderId } },
    body: {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    },
    headers: buyer.headers,
  });
  expect(verified.data?.status).toBe('captured');
  return verified.data!;
}

/**
 * The books of a paid order once every part of it is released or refunded: the order's escrow is
 * empty (nothing posted, nothing pending), the trial balance (read by `staff` through the API)
 * balances, the journal verifies, paid = dealer net + commission + GST on commission + TCS + TDS +
 * processed refunds over its escrow holds (a refund after release is paid out of what was released,
 * so it is not counted twice), and the gateway refunded exactly `refundedPaise`.
 */
export async function expectOrderSettled(
  t: TestApp,
  staff: SignedIn,
  order: { orderId: string; paidPaise: number; refundedPaise: number },
): Promise<void> {
  const escrow = await t.app.get(LedgerService).account(Accounts.orderEscrow(order.orderId));
  expect({
    posted: escrow!.creditsPosted - escrow!.debitsPosted,
    pending: escrow!.debitsPending,
  }).toEqual({ posted: 0n, pending: 0n });
  const trial = await t.api.GET('/ledger/trial-balance', { headers: staff.headers });
  expect(trial.data?.balanced).toBe(true);
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  const [books] = await withClient(
    t.db.ownerUrl,
    async (c) =>
      (
        await c.query<{
          released: string;
          refunded: string;
          after_release: string;
          gateway_payment_id: string;
        }>(
          `SELECT (SELECT coalesce(sum(coalesce(commission_paise, 0) + coalesce(gst_on_commission_paise, 0)
                   + coalesce(tcs_paise, 0) + coalesce(tds_paise, 0) + coalesce(dealer_net_paise, 0)), 0)
                 FROM escrow_holds WHERE order_id = o.id) AS released,
                (SELECT coalesce(sum(amount_paise), 0) FROM refunds
                 WHERE order_id = o.id AND status = 'processed') AS refunded,
                (SELECT coalesce(sum(amount_paise), 0) FROM refunds
                 WHERE order_id = o.id AND status = 'processed' AND kind = 'after_release') AS after_release,
                (SELECT gateway_payment_id FROM payments WHERE order_id = o.id AND status = 'captured'
                 ORDER BY captured_at LIMIT 1) AS gateway_payment_id
         FROM orders o WHERE o.id = $1`,
          [order.orderId],
        )
      ).rows,
  );
  expect(Number(books!.refunded)).toBe(order.refundedPaise);
  expect(Number(books!.released) + Number(books!.refunded) - Number(books!.after_release)).toBe(
    order.paidPaise,
  );
  const gateway = await t.app
    .get<PaymentGateway>(PAYMENT_GATEWAY)
    .fetchPayment(books!.gateway_payment_id);
  expect(gateway.amountRefundedPaise).toBe(order.refundedPaise);
}
