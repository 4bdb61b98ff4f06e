import { createHmac, timingSafeEqual } from 'node:crypto';

/** Razorpay's webhook signature: hex HMAC-SHA256 of the exact request body, keyed by the webhook secret. */
export function webhookSignature(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** A signature as sent: 64 hex digits (either case). */
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Which of `secrets` (the current one first, then the previous one during a rotation) signed `body`:
 * its index, or null when none did, the header is missing or is not 64 hex digits. Every secret is
 * checked (no early exit) and each comparison is timing-safe, so the answer's timing tells nothing
 * about how much of a forged signature was right or which secret matched.
 */
export function verifyWebhookSignature(
  body: Buffer | string,
  signature: string | undefined,
  secrets: readonly string[],
): number | null {
  if (signature === undefined || !HEX_SHA256.test(signature)) return null;
  const given = Buffer.from(signature, 'hex');
  let matched: number | null = null;
  secrets.forEach((secret, index) => {
    const expected = createHmac('sha256', secret).update(body).digest();
    if (timingSafeEqual(expected, given) && matched === null) matched = index;
  });
  return matched;
}
