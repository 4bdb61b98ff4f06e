import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { maskRecipient, NotificationSender, type OutboundMessage } from './notification-sender.js';

/**
 * Development adapter: each message becomes `<outboxDir>/<time>-<channel>-<id>.json` and a log line;
 * nothing leaves the machine. The code is logged only when `logCodes` (development).
 */
export class LocalOutboxSender extends NotificationSender {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly outboxDir: string,
    private readonly logCodes: boolean,
  ) {
    super();
  }

  async send(message: OutboundMessage): Promise<void> {
    await mkdir(this.outboxDir, { recursive: true });
    const sentAt = new Date().toISOString();
    const file = join(
      this.outboxDir,
      `${sentAt.replace(/[:.]/g, '-')}-${message.channel}-${randomUUID()}.json`,
    );
    await writeFile(file, `${JSON.stringify({ ...message, sentAt }, null, 2)}\n`, { mode: 0o600 });
    this.logger.log(
      `${message.channel} ${message.purpose} to ${maskRecipient(message.to)} written to the local outbox${
        this.logCodes && message.code ? ` (code ${message.code})` : ''
      }`,
    );
  }
}
