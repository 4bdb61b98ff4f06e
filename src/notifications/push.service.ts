import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import {
  PUSH_CATEGORIES,
  PushSender,
  type PushCategory,
  type PushContent,
  type PushTicket,
} from './push-sender.js';
import type { NotificationPreferencesDto, PushTokenDto } from './dto/push.dto.js';

/**
 * Push notifications to users' devices: every token registered by a live session of the user (a
 * revoked session's tokens are deleted with it, by trigger; an expired session's are skipped), unless
 * the user turned the category off. Best effort: a provider failure is logged, never thrown to the
 * caller (the app reads the state when opened). Callers: calls (incoming call), the push
 * subscriptions (offers, orders, payments) and chat (`messages`).
 *
 * Tokens the provider reports gone are deleted: at once from the send's answer, and from the
 * receipts of what it accepted, asked for `PUSH_RECEIPT_DELAY_SECONDS` later by the
 * `push.receipts` job (asked again, up to three times in all, for receipts not ready yet).
 */
@Injectable()
export class Push implements OnModuleInit {
  private readonly logger = new Logger(Push.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    @Inject(PushSender) private readonly sender: PushSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define<ReceiptsJob>({
      name: PUSH_RECEIPTS_JOB,
      handler: (job) => this.checkReceipts(job),
    });
  }

  async notify(
    userIds: readonly string[],
    category: PushCategory,
    content: PushContent,
  ): Promise<void> {
    if (userIds.length === 0) return;
    try {
      const { rows } = await this.transactions.once<{ user_id: string; token: string }>(
        `SELECT t.user_id::text AS user_id, t.token
           FROM push_tokens t
           JOIN sessions s ON s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
           LEFT JOIN notification_preferences p ON p.user_id = t.user_id
          WHERE t.user_id = ANY($1::uuid[])
            AND COALESCE((to_jsonb(p) ->> $2)::boolean, true)
          ORDER BY t.user_id, t.token`,
        [userIds, category],
      );
      const { staleTokens, tickets } = await this.sender.send(
        rows.map((r) => ({ ...content, userId: r.user_id, token: r.token, category })),
      );
      await this.forget(staleTokens);
      if (tickets.length > 0) await this.askReceiptsLater({ tickets, round: 1 });
    } catch (err) {
      this.logger.error(`push ${category} to ${userIds.length} user(s) failed: ${String(err)}`);
    }
  }

  /** The `push.receipts` job: drops the tokens found gone; asks again for receipts not ready. */
  private async checkReceipts(job: ReceiptsJob): Promise<void> {
    const { staleTokens, pending } = await this.sender.receipts(job.tickets);
    await this.forget(staleTokens);
    if (pending.length === 0) return;
    if (job.round < RECEIPT_ROUNDS)
      await this.askReceiptsLater({ tickets: pending, round: job.round + 1 });
    else this.logger.warn(`no receipt for ${pending.length} push(es) after ${RECEIPT_ROUNDS} asks`);
  }

  private async askReceiptsLater(job: ReceiptsJob): Promise<void> {
    await this.jobs.send(PUSH_RECEIPTS_JOB, job, {
      startAfter: this.config.push.receiptDelaySeconds,
    });
  }

  private async forget(tokens: string[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.transactions.once(`DELETE FROM push_tokens WHERE token = ANY($1::text[])`, [tokens]);
  }

  /** Registers (or moves) a device token to the caller's session. */
  async register(
    userId: string,
    sessionId: string,
    token: string,
    platform: 'ios' | 'android',
  ): Promise<PushTokenDto> {
    const { rows } = await this.transactions.once<{ registered_at: Date }>(
      `INSERT INTO push_tokens (token, user_id, session_id, platform) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token) DO UPDATE
         SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id,
             platform = EXCLUDED.platform, registered_at = now()
       RETURNING registered_at`,
      [token, userId, sessionId, platform],
    );
    return { token, platform, registeredAt: rows[0]!.registered_at.toISOString() };
  }

  /** Removes one of the caller's device tokens (a token of another user is left alone: 204 either way). */
  async unregister(userId: string, token: string): Promise<void> {
    await this.transactions.once(`DELETE FROM push_tokens WHERE token = $1 AND user_id = $2`, [
      token,
      userId,
    ]);
  }

  async preferences(userId: string): Promise<NotificationPreferencesDto> {
    const { rows } = await this.transactions.once<Record<PushCategory, boolean>>(
      `SELECT ${PUSH_CATEGORIES.join(', ')} FROM notification_preferences WHERE user_id = $1`,
      [userId],
    );
    return preferencesDto(rows[0]);
  }

  async setPreferences(
    userId: string,
    changes: Partial<NotificationPreferencesDto>,
  ): Promise<NotificationPreferencesDto> {
    const current = await this.preferences(userId);
    const next = { ...current, ...changes };
    const values = PUSH_CATEGORIES.map((c) => next[dtoKey(c)]);
    await this.transactions.once(
      `INSERT INTO notification_preferences (user_id, ${PUSH_CATEGORIES.join(', ')})
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET
         ${PUSH_CATEGORIES.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()`,
      [userId, ...values],
    );
    return next;
  }
}

/** Queue of the receipt checks (pg-boss). */
export const PUSH_RECEIPTS_JOB = 'push.receipts';
/** Asks for a push's receipt at most this many times. */
const RECEIPT_ROUNDS = 3;

interface ReceiptsJob {
  tickets: PushTicket[];
  /** 1 for the first ask. */
  round: number;
}

const dtoKey = (c: PushCategory): keyof NotificationPreferencesDto =>
  c === 'job_offers' ? 'jobOffers' : c;

function preferencesDto(
  row: Record<PushCategory, boolean> | undefined,
): NotificationPreferencesDto {
  return {
    messages: row?.messages ?? true,
    calls: row?.calls ?? true,
    jobOffers: row?.job_offers ?? true,
    orders: row?.orders ?? true,
    payments: row?.payments ?? true,
  };
}
