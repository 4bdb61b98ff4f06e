import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppProblem } from '../../common/errors/problem.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { verifyWebhookSignature } from './signature.js';
import { parseWebhookEnvelope } from './webhook-event.js';
import { WEBHOOK_DRAIN_KEY, WEBHOOK_JOBS } from './webhook-jobs.js';

export const SIGNATURE_HEADER = 'x-razorpay-signature';
export const EVENT_ID_HEADER = 'x-razorpay-event-id';

/** Event ids as Razorpay sends them (e.g. `KhUk1hS1s5dP2r`); anything else is not used as an id. */
const EVENT_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

export type Receipt = { status: 'accepted' | 'duplicate'; eventId: string };

export function invalidSignature(): AppProblem {
  return new AppProblem(
    400,
    'webhook/invalid-signature',
    'Invalid webhook signature',
    `${SIGNATURE_HEADER} is missing or is not the HMAC-SHA256 of the body with a current webhook secret`,
  );
}

function malformed(detail: string): AppProblem {
  return new AppProblem(400, 'webhook/malformed', 'Malformed webhook', detail);
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/**
 * Receives a Razorpay webhook: checks the signature over the exact bytes received against the
 * configured secrets (the current one, then the previous one during a rotation), reads the event's
 * envelope, then stores it in `webhook_inbox` (one statement: INSERT … ON CONFLICT DO NOTHING on the
 * event id) and, when it is new, enqueues the drain job (one more; a row whose job was lost — a crash
 * between the two, the queue down — is found by the sweeper within two minutes). A duplicate
 * delivery changes nothing and is acknowledged like the first. Nothing is processed here: the
 * answer is fast.
 */
@Injectable()
export class WebhookInbox {
  private readonly logger = new Logger(WebhookInbox.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
  ) {}

  async receive(
    rawBody: Buffer | undefined,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<Receipt> {
    const body = rawBody ?? Buffer.alloc(0);
    const signature = headerOf(headers[SIGNATURE_HEADER]);
    if (verifyWebhookSignature(body, signature, this.config.razorpay.webhookSecrets) === null)
      throw invalidSignature();

    const text = body.toString('utf8');
    // PostgreSQL's jsonb cannot hold U+0000; Razorpay never sends it.
    if (text.includes('\\u0000')) throw malformed('The body contains a \\u0000 escape');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw malformed('The body is not JSON');
    }
    const envelope = parseWebhookEnvelope(parsed);
    if (!envelope) throw malformed('The body is not a Razorpay event (entity, event, payload)');

    const sha256 = createHash('sha256').update(body).digest('hex');
    const headerId = headerOf(headers[EVENT_ID_HEADER]);
    if (headerId !== undefined && !EVENT_ID.test(headerId))
      throw malformed(`${EVENT_ID_HEADER} is not an event id`);
    const eventId = headerId ?? `body-sha256:${sha256}`;

    const { affected } = await this.transactions.once(
      `INSERT INTO webhook_inbox
         (event_id, event, account_id, payload, body_sha256, event_created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (event_id) DO NOTHING`,
      [eventId, envelope.event, envelope.accountId, text, sha256, envelope.createdAt],
    );
    if (affected === 0) return { status: 'duplicate', eventId };
    // Stored: from here the event is never lost. A drain job that cannot be enqueued now (the
    // queue down) is the sweeper's to make once the queue is back, so the delivery is acknowledged.
    try {
      await this.jobs.send(WEBHOOK_JOBS.process, {}, { singletonKey: WEBHOOK_DRAIN_KEY });
    } catch (err) {
      this.logger.warn(`webhook ${eventId} stored, processing left to the sweeper: ${String(err)}`);
    }
    return { status: 'accepted', eventId };
  }
}
