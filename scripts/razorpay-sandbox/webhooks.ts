import { hmacSha256Hex } from './signing.js';

/** Faults applied to webhook deliveries. Rates are probabilities in [0, 1] drawn from the seeded PRNG. */
export interface WebhookFaults {
  /** Each delivery is sent a second time (same body, same X-Razorpay-Event-Id) with this probability. */
  duplicateRate: number;
  /** Deliveries are buffered and sent in reverse order once this many are waiting (≤ 1: no reordering). */
  reorderWindow: number;
  /** Every delivery waits this long first. */
  delayMs: number;
  /** Delays between redelivery attempts after a non-2xx answer or a network error (its length + 1 = attempts). */
  retryDelaysMs: number[];
}

export const DEFAULT_WEBHOOK_FAULTS: WebhookFaults = {
  duplicateRate: 0,
  reorderWindow: 1,
  delayMs: 0,
  retryDelaysMs: [250, 1000, 5000],
};

export interface WebhookAttempt {
  at: number;
  status: number | null;
  error: string | null;
}

/** One emitted event, kept whether or not a URL is configured. */
export interface WebhookRecord {
  eventId: string;
  event: string;
  /** The raw JSON body exactly as sent (sign/verify this, not a re-serialisation). */
  body: string;
  /** X-Razorpay-Signature: hex HMAC-SHA256 of `body` with the webhook secret. */
  signature: string;
  createdAt: number;
  attempts: WebhookAttempt[];
  /** Whether some attempt got a 2xx answer. */
  delivered: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Signs, logs and POSTs webhooks with the configured faults. Each send is tracked so `idle()` can
 * wait for everything in flight (tests) and `flush()` releases a partly filled reorder buffer.
 */
export class WebhookDispatcher {
  readonly log: WebhookRecord[] = [];
  private readonly buffer: WebhookRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private flushTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly opts: {
      url: () => string | null;
      secret: string;
      faults: () => WebhookFaults;
      random: () => number;
      now: () => number;
    },
  ) {}

  emit(eventId: string, event: string, envelope: Record<string, unknown>): WebhookRecord {
    const body = JSON.stringify(envelope);
    const record: WebhookRecord = {
      eventId,
      event,
      body,
      signature: hmacSha256Hex(this.opts.secret, body),
      createdAt: this.opts.now(),
      attempts: [],
      delivered: false,
    };
    this.log.push(record);
    if (!this.opts.url() || this.stopped) return record;
    const faults = this.opts.faults();
    if (faults.reorderWindow > 1) {
      this.buffer.push(record);
      if (this.buffer.length >= faults.reorderWindow) this.releaseBuffer();
      else this.armFlushTimer();
    } else {
      this.schedule(record);
    }
    return record;
  }

  /** Sends whatever the reorder buffer holds (reversed) and waits until nothing is in flight. */
  async flush(): Promise<void> {
    this.releaseBuffer();
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.buffer.length = 0;
  }

  private armFlushTimer(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.releaseBuffer();
    }, 200);
    this.flushTimer.unref();
  }

  private releaseBuffer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.buffer.splice(0).reverse();
    for (const record of batch) this.schedule(record);
  }

  private schedule(record: WebhookRecord): void {
    const faults = this.opts.faults();
    const copies = this.opts.random() < faults.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const p = this.deliver(record, faults).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async deliver(record: WebhookRecord, faults: WebhookFaults): Promise<void> {
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    const delays = [0, ...faults.retryDelaysMs];
    for (const delay of delays) {
      if (this.stopped) return;
      if (delay > 0) await sleep(delay);
      const url = this.opts.url();
      if (!url || this.stopped) return;
      const attempt: WebhookAttempt = { at: this.opts.now(), status: null, error: null };
      record.attempts.push(attempt);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Razorpay-Webhook/v1 (fixbazaar-sandbox)',
            'x-razorpay-signature': record.signature,
            'x-razorpay-event-id': record.eventId,
          },
          body: record.body,
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        attempt.status = res.status;
        if (res.ok) {
          record.delivered = true;
          return;
        }
      } catch (err) {
        attempt.error = (err as Error).message;
      }
    }
  }
}
