import { api, data, type Schemas } from '../api/client';
import { RAZORPAY_SANDBOX_URL } from '../config';
import { ProblemError } from './problem';

type Payment = Schemas['PaymentDto'];
type RepairPayment = Schemas['RepairJobPaymentDto'];
type VerifyBody = Schemas['VerifyPaymentDto'];

/**
 * Pays an order: opens its payment (a Razorpay order), has Checkout take the money, then hands
 * Checkout's answer (order id, payment id, signature) to the API, which checks the signature and
 * captures. Where the app has no Razorpay Checkout yet (the web build, tests), the local sandbox
 * plays Checkout through its pay endpoint, exactly as the browser would get the answer.
 */
export async function payOrder(orderId: string): Promise<Payment> {
  const params = { path: { orderId } };
  const opened = await data(api.POST('/orders/{orderId}/payments', { params }));
  const body = verifyBody(await checkout(opened));
  return data(api.POST('/orders/{orderId}/payments/verify', { params, body }));
}

/** Pays what a repair job has due now (an approved quote), the same way as an order. */
export async function payRepair(repairJobId: string): Promise<RepairPayment> {
  const params = { path: { repairJobId } };
  const opened = await data(api.POST('/repairs/{repairJobId}/payments', { params }));
  const body = verifyBody(await checkout(opened));
  return data(api.POST('/repairs/{repairJobId}/payments/verify', { params, body }));
}

const verifyBody = (answer: CheckoutAnswer): VerifyBody => ({
  razorpayOrderId: answer.razorpay_order_id,
  razorpayPaymentId: answer.razorpay_payment_id,
  razorpaySignature: answer.razorpay_signature,
});

interface CheckoutAnswer {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}

async function checkout(payment: Pick<Payment, 'gatewayOrderId'>): Promise<CheckoutAnswer> {
  if (!RAZORPAY_SANDBOX_URL)
    throw new ProblemError({
      title: 'Payment unavailable',
      status: 0,
      code: 'app/checkout-unavailable',
      detail: 'Razorpay Checkout is not in this build of the app yet.',
    });
  const res = await fetch(
    `${RAZORPAY_SANDBOX_URL}/__sandbox/orders/${payment.gatewayOrderId}/pay`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    },
  );
  const body = (await res.json()) as CheckoutAnswer | { error: { description: string } };
  if ('error' in body)
    throw new ProblemError({
      title: 'Payment failed',
      status: res.status,
      code: 'app/payment-failed',
      detail: body.error.description,
    });
  return body;
}
