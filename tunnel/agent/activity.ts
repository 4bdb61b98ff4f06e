/**
 * The customer agent's activity log for the API: `POST ${API}/remote-sessions/{sid}/activity`,
 * `Authorization: Tunnel <customer join token>`, body `{ "items": [{ "kind", "service", "at" }] }`.
 * Batched each second, best effort: a failed batch is logged and dropped, the session goes on.
 */
import type { Logger } from 'pino';
import { adbServiceKind } from './adb.js';

export interface ActivityItem {
  kind: string;
  service: string;
  at: string;
}

export class ActivityReporter {
  private items: ActivityItem[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string | undefined,
    private readonly token: string,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  record(service: string): void {
    const item = { kind: adbServiceKind(service), service, at: new Date().toISOString() };
    this.logger.info({ activity: item.kind }, 'service opened on this device');
    if (!this.url || this.items.length >= 1000) return;
    this.items.push(item);
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.items;
    this.items = [];
    if (!this.url || items.length === 0) return;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Tunnel ${this.token}` },
        body: JSON.stringify({ items }),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`activity answered ${response.status}`);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, items: items.length },
        'activity not recorded',
      );
    }
  }
}
