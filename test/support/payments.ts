/**
 * Paying an order the way a buyer's app does, against the local Razorpay sandbox: open the payment,
 * pay its gateway order at the sandbox (Checkout's part), hand Checkout's answer to `…/verify`.
 */
import type { RazorpaySandbox } from '../../scripts/razorpay-sandbox/sandbox.js';
import type { SignedIn } from './accounts.js';
import type { components } from './api-types.js';
import type { TestApp } from './test-app.js';

export type Payment = components['schemas']['PaymentDto'];

/** The order's payment, captured (fails the test otherwise). */
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
  const paid = sandbox.control.pay(opened.data!.gatewayOrderId!, { outcome: 'captured' });
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
