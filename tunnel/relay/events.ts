/**
 * Session events for the API (`POST ${API}/remote/relay-events`, bearer `TUNNEL_RELAY_SECRET`):
 * queued, sent in batches every second, retried with backoff while the API does not answer 2xx.
 * Events carry ids so a batch sent twice is recorded once. Never payload.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

export type RelayEventType = 'agent_connected' | 'paired' | 'first_open' | 'reconnected' | 'ended';

export interface RelayEvent {
  id: string;
  type: RelayEventType;
  sid: string;
  /** ISO time at the relay. */
  at: string;
  role?: string;
  reason?: string;
  /** Bytes the customer's side sent to the technician's, and the reverse (on `ended`). */
  bytesFromCustomer?: number;
  bytesFromTechnician?: number;
  reconnects?: number;
  throttledMs?: number;
}

const MAX_QUEUED = 10_000;
const BATCH = 100;

export class RelayEventReporter {
  private queue: RelayEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly url: string | undefined,
    private readonly secret: string | undefined,
    private readonly relayId: string,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  report(event: Omit<RelayEvent, 'id' | 'at'>): void {
    this.logger.info({ ...event }, `session ${event.type}`);
    if (!this.url) return;
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push({ id: randomUUID(), at: new Date().toISOString(), ...event });
    this.schedule(this.intervalMs);
  }

  /** Sends what is queued now (once); used at shutdown. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    if (this.queue.length > 0) await this.send();
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.send().finally(() => (this.sending = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async send(): Promise<void> {
    const batch = this.queue.slice(0, BATCH);
    try {
      const response = await fetch(this.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.secret ?? ''}`,
        },
        body: JSON.stringify({ relayId: this.relayId, events: batch }),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`relay-events answered ${response.status}`);
      this.queue.splice(0, batch.length);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.logger.warn(
        { err: (error as Error).message, queued: this.queue.length },
        'relay events not delivered; retrying',
      );
    }
    if (this.queue.length > 0) {
      const delay = this.failures === 0 ? 0 : Math.min(30_000, 500 * 2 ** this.failures);
      this.schedule(delay);
    }
  }
}
