/**
 * A Razorpay webhook event as processed: the body Razorpay sent
 * (`{ entity: 'event', account_id, event, contains, payload, created_at }`) with the id it was
 * deduplicated by.
 */
export interface RazorpayWebhookEvent {
  /** `X-Razorpay-Event-Id`, or `body-sha256:<hex>` when the delivery had none. */
  id: string;
  /** E.g. `payment.captured`, `order.paid`, `refund.processed`. */
  event: string;
  accountId: string | null;
  /** Entities the payload contains, e.g. `['payment']`. */
  contains: string[];
  /** `payload` of the body, e.g. `{ payment: { entity: { id, order_id, amount, status, … } } }`. */
  payload: Record<string, unknown>;
  /** The event's creation time at Razorpay (its `created_at`), when given. */
  createdAt: Date | null;
  /** When we first received it. */
  receivedAt: Date;
  /** Processing runs before this one. */
  attempts: number;
}

/** The parts of a webhook body the inbox needs; anything else is `webhook/malformed`. */
export interface ParsedWebhookBody {
  event: string;
  accountId: string | null;
  createdAt: Date | null;
}

/** Reads the envelope of a Razorpay event body (already parsed JSON), or null when it is not one. */
export function parseWebhookEnvelope(body: unknown): ParsedWebhookBody | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  if (b.entity !== undefined && b.entity !== 'event') return null;
  if (typeof b.event !== 'string' || !/^[a-z0-9_.-]{1,100}$/i.test(b.event)) return null;
  if (b.payload !== undefined && (typeof b.payload !== 'object' || b.payload === null)) return null;
  const accountId = typeof b.account_id === 'string' ? b.account_id : null;
  const createdAt =
    typeof b.created_at === 'number' && Number.isFinite(b.created_at) && b.created_at > 0
      ? new Date(b.created_at * 1000)
      : null;
  return { event: b.event, accountId, createdAt };
}
