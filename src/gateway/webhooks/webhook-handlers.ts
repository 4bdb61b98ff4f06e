import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RazorpayWebhookEvent } from './webhook-event.js';

/**
 * The event is not applied: the gateway does not know the object it names (`unknown_at_gateway`),
 * or says something else than the signed payload or than our records (`mismatch`). The event is
 * kept as `rejected` with `detail` and the rejection listener (the payment alerts) is told.
 */
export interface WebhookRejection {
  rejected: 'unknown_at_gateway' | 'mismatch';
  /** What differed, for staff (e.g. `amount 100, the gateway says 50000`). */
  detail: string;
}

/**
 * What a handler decided: `done` (its effect is written in `tx` and the event is processed), or not
 * yet: a prerequisite is missing (e.g. `payment.captured` before our payment row knows the gateway
 * order), so the event waits until `deferUntil` and is tried again; or rejected (nothing it wrote is
 * kept). Throwing means "failed this time": everything the handler wrote is rolled back and the event
 * is retried with backoff, then failed.
 */
export type WebhookOutcome =
  | 'done'
  /** Done, and `afterCommit` runs once the transaction has committed (e.g. publishing domain events). */
  | { afterCommit: () => void }
  | { deferUntil: Date; reason: string }
  | WebhookRejection;

/** What the gateway says about an event's object (`confirmed`), or why the event is rejected. */
export type WebhookConfirmation<T> = { confirmed: T } | WebhookRejection;

/**
 * Applies one event inside the inbox's transaction (the row is locked; it is marked processed in the
 * same transaction). Handlers must be idempotent in the domain's sense too: states never go backwards
 * (a late `payment.authorized` after `payment.captured` changes nothing and returns `done`).
 * `confirmed` is what the handler's `confirm` returned (undefined without one).
 */
export type WebhookHandler<T = undefined> = (
  tx: EntityManager,
  event: RazorpayWebhookEvent,
  confirmed: T,
) => Promise<WebhookOutcome>;

/** Told, in the inbox's transaction, of each event rejected (after it is marked `rejected`). */
export type WebhookRejectionListener = (
  tx: EntityManager,
  event: RazorpayWebhookEvent,
  rejection: WebhookRejection,
) => Promise<void>;

export interface WebhookHandlerOptions<T = undefined> {
  /**
   * Runs before the handler, outside any transaction (the row is leased meanwhile): asks the gateway
   * about the object the event names, so the handler applies what the gateway says, not the payload.
   * A retryable GatewayError (gateway down, 5xx, timeout) retries the event with backoff (until
   * `maxDeferralMs`); any other error counts as a handler error.
   */
  confirm?: (event: RazorpayWebhookEvent) => Promise<WebhookConfirmation<T>>;
  /** Handler errors before the event is marked failed (default 5). */
  maxFailures?: number;
  /** Backoff after the n-th error: retryBaseMs × 2^(n−1), at most 5 minutes (default 1000 ms). */
  retryBaseMs?: number;
  /**
   * How long after its receipt an event may keep waiting for a prerequisite before it is marked
   * failed (default 24 h, Razorpay's own retry window).
   */
  maxDeferralMs?: number;
}

export interface RegisteredWebhookHandler {
  handler: WebhookHandler<unknown>;
  confirm?: (event: RazorpayWebhookEvent) => Promise<WebhookConfirmation<unknown>>;
  maxFailures: number;
  retryBaseMs: number;
  maxDeferralMs: number;
}

export const WEBHOOK_HANDLER_DEFAULTS = {
  maxFailures: 5,
  retryBaseMs: 1000,
  maxDeferralMs: 24 * 3600 * 1000,
} as const;

/** Longest wait between two retries after handler errors. */
export const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/**
 * The handlers of webhook events, by event name (`payment.captured`, …). Modules register theirs in
 * `onModuleInit`. An event whose name has no handler is stored and marked processed with outcome
 * `ignored` (Razorpay sends every event the webhook subscribes to).
 */
@Injectable()
export class WebhookHandlers {
  private readonly handlers = new Map<string, RegisteredWebhookHandler>();
  private rejectionListener: WebhookRejectionListener | undefined;

  register<T = undefined>(
    eventName: string,
    handler: WebhookHandler<T>,
    options: WebhookHandlerOptions<T> = {},
  ): void {
    if (this.handlers.has(eventName))
      throw new Error(`webhook handler for ${eventName} registered twice`);
    const registered: RegisteredWebhookHandler = {
      ...WEBHOOK_HANDLER_DEFAULTS,
      ...options,
      handler: handler as WebhookHandler<unknown>,
    };
    if (!(registered.maxFailures >= 1 && registered.retryBaseMs >= 0))
      throw new Error(`webhook handler for ${eventName}: invalid options`);
    this.handlers.set(eventName, registered);
  }

  /** The one listener told of rejected events (the payment alerts raise an alert). */
  onRejected(listener: WebhookRejectionListener): void {
    if (this.rejectionListener !== undefined)
      throw new Error('webhook rejection listener registered twice');
    this.rejectionListener = listener;
  }

  async rejected(
    tx: EntityManager,
    event: RazorpayWebhookEvent,
    rejection: WebhookRejection,
  ): Promise<void> {
    await this.rejectionListener?.(tx, event, rejection);
  }

  get(eventName: string): RegisteredWebhookHandler | undefined {
    return this.handlers.get(eventName);
  }

  /** Event names that have a handler. */
  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
