import { createHmac } from 'node:crypto';

/** Lower-case hex HMAC-SHA256 of `data` under `key`: Razorpay's checkout and webhook signature. */
export function hmacSha256Hex(key: string, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Checkout's `razorpay_signature`: HMAC-SHA256 of `order_id|payment_id` with the key secret. */
export function checkoutSignature(keySecret: string, orderId: string, paymentId: string): string {
  return hmacSha256Hex(keySecret, `${orderId}|${paymentId}`);
}

/**
 * A Payment Link callback's `razorpay_signature`: HMAC-SHA256 of
 * `plink_id|reference_id|status|payment_id` with the key secret.
 */
export function paymentLinkSignature(
  keySecret: string,
  p: { linkId: string; referenceId: string; status: string; paymentId: string },
): string {
  return hmacSha256Hex(keySecret, `${p.linkId}|${p.referenceId}|${p.status}|${p.paymentId}`);
}
