import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../observability/metrics.service.js';

/** At most one warning per operation in this window while the store keeps failing; every failure is counted. */
const WARN_INTERVAL_MS = 10_000;

/** Prometheus counters of the limiter and the abuse blocker, and the store-failure warning. */
@Injectable()
export class RateLimitMetrics {
  private readonly logger = new Logger('RateLimit');
  private readonly lastWarning = new Map<string, number>();
  readonly rejections: Counter<'category'>;
  readonly blockedRequests: Counter;
  readonly blocks: Counter<'kind'>;
  readonly storeErrors: Counter<'operation'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.rejections = new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429 rate-limit/exceeded, by API category',
      labelNames: ['category'] as const,
      registers,
    });
    this.blockedRequests = new Counter({
      name: 'abuse_blocked_requests_total',
      help: 'Requests refused because their IP or device fingerprint is blocked',
      registers,
    });
    this.blocks = new Counter({
      name: 'abuse_blocks_total',
      help: 'Automatic abuse blocks imposed, by kind (ip, fingerprint)',
      labelNames: ['kind'] as const,
      registers,
    });
    this.storeErrors = new Counter({
      name: 'rate_limit_store_errors_total',
      help: 'Rate-limit store (Redis) operations that failed; the request was let through (fail open)',
      labelNames: ['operation'] as const,
      registers,
    });
  }

  /** Counts a store failure and logs it, rate-limited itself so an outage does not flood the log. */
  storeFailed(operation: string, err: unknown): void {
    this.storeErrors.inc({ operation });
    const now = Date.now();
    if (now - (this.lastWarning.get(operation) ?? 0) < WARN_INTERVAL_MS) return;
    this.lastWarning.set(operation, now);
    this.logger.warn(
      `rate-limit store ${operation} failed, failing open: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
