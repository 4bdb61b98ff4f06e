import { Logger } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction.js';
import { PushSender, type PushMessage, type PushTicket } from './push-sender.js';

/**
 * Development and test adapter: each push becomes a row of `push_outbox` and a log line (the
 * category and user, never the token); nothing leaves the machine.
 */
export class LocalPushOutbox extends PushSender {
  private readonly logger = new Logger('Push');

  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async send(messages: PushMessage[]): Promise<{ staleTokens: string[]; tickets: PushTicket[] }> {
    if (messages.length === 0) return { staleTokens: [], tickets: [] };
    await this.transactions.once(
      `INSERT INTO push_outbox (user_id, token, category, title, body, data)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])`,
      [
        messages.map((m) => m.userId),
        messages.map((m) => m.token),
        messages.map((m) => m.category),
        messages.map((m) => m.title),
        messages.map((m) => m.body),
        messages.map((m) => JSON.stringify(m.data)),
      ],
    );
    for (const m of messages)
      this.logger.log(`push ${m.category} to user ${m.userId} written to the local outbox`);
    return { staleTokens: [], tickets: [] };
  }

  /** The outbox gives no tickets, so there is never a receipt to ask for. */
  receipts(): Promise<{ staleTokens: string[]; pending: PushTicket[] }> {
    return Promise.resolve({ staleTokens: [], pending: [] });
  }
}
