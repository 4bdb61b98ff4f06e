import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RazorpayWebhookEvent } from './webhook-event.js';

/**
 * What a handler decided: `done` (its effect is written in `tx` and the event is processed), or not
 * yet: a prerequisite is missing (e.g. `payment.captured` before our payment row knows the gateway
 * order), so the event waits until `deferUntil` and is tried again. Throwing means "failed this time":
 * everything the handler wrote is rolled back and the event is retried with backoff, then failed.
 */
export type WebhookOutcome =
  | 'done'
  /** Done, and `afterCommit` runs once the transaction has committed (e.g. publishing domain events). */
  | { afterCommit: () => void }
  | { deferUntil: Date; reason: string };

/**
 * Applies one event inside the inbox's transaction (the row is locked; it is marked processed in the
 * same transaction). Handlers must be idempotent in the domain's sense too: states never go backwards
 * (a late `payment.authorized` after `payment.captured` changes nothing and returns `done`).
 */
export type WebhookHandler = (
  tx: EntityManager,
  event: RazorpayWebhookEvent,
) => Promise<WebhookOutcome>;

export interface WebhookHandlerOptions {
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
  handler: WebhookHandler;
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

  register(eventName: string, handler: WebhookHandler, options: WebhookHandlerOptions = {}): void {
    if (this.handlers.has(eventName))
      throw new Error(`webhook handler for ${eventName} registered twice`);
    const registered = { ...WEBHOOK_HANDLER_DEFAULTS, ...options, handler };
    if (!(registered.maxFailures >= 1 && registered.retryBaseMs >= 0))
      throw new Error(`webhook handler for ${eventName}: invalid options`);
    this.handlers.set(eventName, registered);
  }

  get(eventName: string): RegisteredWebhookHandler | undefined {
    return this.handlers.get(eventName);
  }

  /** Event names that have a handler. */
  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
