import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimitMetrics } from './rate-limit.metrics.js';
import {
  RATE_LIMIT_STORE,
  type BucketRequest,
  type RateLimitStore,
  type TakeResult,
} from './rate-limit.store.js';

/**
 * Probes and scrapes come from infrastructure every few seconds: they are never limited, penalized or
 * blocked (a blocked load-balancer address would take the whole service out). Nor are payment-gateway
 * webhooks (`/webhooks/…`): Razorpay sends bursts from a few addresses, a throttled delivery is
 * retried later (delaying payments), and each request is authenticated by its HMAC signature, which
 * is refused (400) cheaply before any database work. Nor are the tunnel relays' routes (below).
 */
export function isExemptRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && isExemptPath(route);
}

/**
 * The tunnel relays' reports and revocation list (src/remote/): a few relays report every session's
 * events from one address each; a throttled report delays ending sessions, and each request is
 * authenticated by the relays' secret, refused (401) before any database work.
 */
const RELAY_ROUTES = new Set(['/remote/relay-events', '/remote/revocations']);

/** The same test on a route's path template (`/webhooks/razorpay`); the OpenAPI document uses it too. */
export function isExemptPath(route: string): boolean {
  return (
    route.startsWith('/health/') ||
    route === '/metrics' ||
    route.startsWith('/webhooks/') ||
    RELAY_ROUTES.has(route)
  );
}

/**
 * The limiter's access to the store. Store failures FAIL OPEN: the request passes, a warning is logged
 * (at most every 10 s) and `rate_limit_store_errors_total` counts it. Limits and blocks protect capacity
 * and slow attackers down; authentication and authorization do not depend on them, so a Redis outage
 * should not become an outage of the whole API (failing closed would refuse every request).
 */
@Injectable()
export class RateLimitService implements OnApplicationShutdown {
  constructor(
    @Inject(RATE_LIMIT_STORE) readonly store: RateLimitStore,
    private readonly metrics: RateLimitMetrics,
  ) {}

  /** The store's answer, or null when the store failed (the caller lets the request through). */
  async take(buckets: BucketRequest[]): Promise<TakeResult | null> {
    try {
      return await this.store.take(buckets);
    } catch (err) {
      this.metrics.storeFailed('take', err);
      return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
