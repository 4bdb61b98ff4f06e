/**
 * A webhook's payload is a claim, not the truth: the signature says the body came from whoever holds
 * the webhook secret, not that the objects it names exist or look as it says. Before an event moves
 * money or state its handler fetches the object from the gateway (outside any transaction) and
 * applies what the gateway says; these helpers turn that fetch and the comparison into a rejection
 * when the gateway does not know the object or contradicts the payload.
 */
import { notFoundAtGateway } from '../payment-gateway.js';
import type { WebhookConfirmation, WebhookRejection } from './webhook-handlers.js';

/** The object `fetch` returns, or an `unknown_at_gateway` rejection naming `what`; other errors propagate. */
export async function fetchKnown<T>(
  what: string,
  fetch: () => Promise<T>,
): Promise<{ known: T } | WebhookRejection> {
  try {
    return { known: await fetch() };
  } catch (err) {
    if (!notFoundAtGateway(err)) throw err;
    return { rejected: 'unknown_at_gateway', detail: `the gateway does not know ${what}` };
  }
}

/**
 * The payload's claims the gateway contradicts, one sentence each: for every field of `actual` (in
 * Razorpay's wire names) that the payload states (not null or absent) with another value. Fields the
 * payload leaves out are not claims (the gateway's values are applied anyway).
 */
export function contradictions(
  claimed: Record<string, unknown>,
  actual: Record<string, string | number | null>,
): string[] {
  const found: string[] = [];
  for (const [field, value] of Object.entries(actual)) {
    const claim = claimed[field];
    if (claim === undefined || claim === null || claim === value) continue;
    found.push(`${field} ${JSON.stringify(claim)}, the gateway says ${JSON.stringify(value)}`);
  }
  return found;
}

/** `confirmed` when nothing differs, else a `mismatch` rejection listing what did for `what`. */
export function confirmedUnlessContradicted<T>(
  what: string,
  differences: string[],
  confirmed: T,
): WebhookConfirmation<T> {
  if (differences.length === 0) return { confirmed };
  return { rejected: 'mismatch', detail: `${what}: ${differences.join('; ')}` };
}

/** The payload's `<name>.entity` (e.g. `payment`), or an error: Razorpay always sends it. */
export function payloadEntity(
  payload: Record<string, unknown>,
  event: string,
  name: string,
): Record<string, unknown> & { id: string } {
  const entity = (payload[name] as { entity?: unknown } | undefined)?.entity;
  if (
    typeof entity !== 'object' ||
    entity === null ||
    Array.isArray(entity) ||
    typeof (entity as { id?: unknown }).id !== 'string'
  )
    throw new Error(`${event} without a ${name} entity`);
  return entity as Record<string, unknown> & { id: string };
}
