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
import { QUIET_ENV, type SignedIn } from './accounts.js';
import type { components } from './api-types.js';
import { startTestApp, type TestApp } from './test-app.js';

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
