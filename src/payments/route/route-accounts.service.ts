/**
 * Dealer onboarding to Razorpay Route:
 * - When a dealer is approved, the onboarding intent (a `dealer_route_accounts` row, `pending`) is
 *   written in the approval's transaction with a `payments.route-account` job.
 * - The job marks the row `creating` (attempt n), creates the linked account outside any transaction
 *   (reference id: the first 20 hex digits of the dealer's uuid — Razorpay's limit is 20), then
 *   records the account id (`created`). A retryable gateway error re-enqueues the job with backoff
 *   (30 s × 2^(n−1), ≤ 1 h) until ROUTE_MAX_ATTEMPTS, then `failed`; a refusal is `failed` at once.
 *   Staff re-enqueue a failed (or never started) onboarding, audited.
 * - Webhooks `account.activated` / `product.route.activated` mark it `activated` (never backwards;
 *   an account id we have not recorded yet waits and is tried again) and enqueue the transfers of
 *   that dealer's escrow holds that were waiting for it.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { decodeCursor, encodeCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  AccountStatusHooks,
  type AccountStatusChange,
} from '../../identity/account-status-hooks.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type GatewayLinkedAccount,
  type PaymentGateway,
} from '../gateway/payment-gateway.js';
import { WebhookHandlers, type WebhookOutcome } from '../webhooks/webhook-handlers.js';
import type { RazorpayWebhookEvent } from '../webhooks/webhook-event.js';
import type {
  RouteAccountDto,
  RouteAccountPageDto,
  RouteAccountQueryDto,
  RouteAccountStatus,
} from './dto/route-account.dto.js';
import {
  ROUTE_JOBS,
  ROUTE_MAX_ATTEMPTS,
  routeReferenceId,
  routeRetryDelayMs,
  type RouteAccountJob,
} from './route-jobs.js';

/** How long an activation for an account id we have not recorded yet waits before it is retried. */
const WAIT_FOR_ACCOUNT_MS = 60_000;
/** A `creating` row older than this is considered abandoned (a crash mid-call): staff may retry it. */
const STALE_CREATING_MS = 15 * 60_000;

interface RouteAccountRow {
  dealer_id: string;
  dealer_name: string;
  status: RouteAccountStatus;
  reference_id: string;
  gateway_account_id: string | null;
  attempts: number;
  last_error: string | null;
  activated_at: Date | null;
  created_at: Date;
  updated_at: Date;
  waiting_holds: number;
  waiting_paise: string;
}

const notFound = () =>
  new AppProblem(404, 'route-account/not-found', 'Not found', 'No Route account for this dealer');

@Injectable()
export class RouteAccountsService implements OnModuleInit {
  private readonly logger = new Logger(RouteAccountsService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    private readonly statusHooks: AccountStatusHooks,
    private readonly webhooks: WebhookHandlers,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    this.statusHooks.register((tx, change) => this.onAccountStatus(tx, change));
    this.jobs.define<RouteAccountJob>({
      name: ROUTE_JOBS.account,
      handler: (data) => this.onboard(data.dealerId),
    });
    const activated = (tx: EntityManager, event: RazorpayWebhookEvent) =>
      this.onActivated(tx, event);
    this.webhooks.register('account.activated', activated);
    this.webhooks.register('product.route.activated', activated);
  }

  /** Account-status hook: an approved dealer gets its onboarding intent and job (same transaction). */
  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
  ): Promise<undefined> {
    if (change.role !== 'dealer' || change.to !== 'approved') return undefined;
    const { affected } = await execute(
      tx,
      `INSERT INTO dealer_route_accounts (dealer_id, reference_id) VALUES ($1, $2)
       ON CONFLICT (dealer_id) DO NOTHING`,
      [change.userId, routeReferenceId(change.userId)],
    );
    // A dealer approved again (after a suspension) keeps its account; a failed one is retried by staff.
    if (affected > 0) await this.jobs.send(ROUTE_JOBS.account, { dealerId: change.userId }, { tx });
    return undefined;
  }

  /** The `payments.route-account` job: creates the dealer's linked account (one attempt). */
  async onboard(dealerId: string): Promise<RouteAccountStatus | 'skipped'> {
    const intent = await this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        status: RouteAccountStatus;
        reference_id: string;
        attempts: number;
        email: string | null;
        phone: string | null;
        business_name: string | null;
        display_name: string;
      }>(
        tx,
        `SELECT r.status, r.reference_id, r.attempts, u.email::text AS email, u.phone,
                u.business_name, u.display_name
         FROM dealer_route_accounts r JOIN users u ON u.id = r.dealer_id
         WHERE r.dealer_id = $1 FOR UPDATE OF r`,
        [dealerId],
      );
      const row = rows[0];
      if (row === undefined || (row.status !== 'pending' && row.status !== 'creating')) return null;
      await execute(
        tx,
        `UPDATE dealer_route_accounts SET status = 'creating', attempts = attempts + 1, updated_at = now()
         WHERE dealer_id = $1`,
        [dealerId],
      );
      return { ...row, attempts: row.attempts + 1 };
    });
    if (intent === null) return 'skipped';
    if (intent.email === null)
      return this.recordFailure(
        dealerId,
        'the dealer has no email address (Razorpay requires one)',
      );

    let account: GatewayLinkedAccount;
    try {
      account = await this.gateway.createLinkedAccount({
        referenceId: intent.reference_id,
        email: intent.email,
        phone: intent.phone,
        legalBusinessName: intent.business_name ?? intent.display_name,
        contactName: intent.display_name,
      });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (err.retryable && intent.attempts < ROUTE_MAX_ATTEMPTS) {
        await this.transactions.run(async (tx) => {
          await execute(
            tx,
            `UPDATE dealer_route_accounts SET status = 'pending', last_error = $2, updated_at = now()
             WHERE dealer_id = $1 AND status = 'creating'`,
            [dealerId, err.message],
          );
          await this.jobs.send(
            ROUTE_JOBS.account,
            { dealerId },
            { tx, startAfter: new Date(Date.now() + routeRetryDelayMs(intent.attempts)) },
          );
        });
        return 'pending';
      }
      return this.recordFailure(dealerId, err.message);
    }
    const status: RouteAccountStatus = account.status === 'activated' ? 'activated' : 'created';
    await this.transactions.run(async (tx) => {
      const { affected } = await execute(
        tx,
        `UPDATE dealer_route_accounts SET status = $2, gateway_account_id = $3, last_error = NULL,
           activated_at = CASE WHEN $2 = 'activated' THEN now() END, updated_at = now()
         WHERE dealer_id = $1 AND status = 'creating'`,
        [dealerId, status, account.id],
      );
      if (affected === 0)
        this.logger.warn(
          `linked account ${account.id} of dealer ${dealerId} not recorded: the onboarding moved on meanwhile`,
        );
      else if (status === 'activated')
        await this.jobs.send(ROUTE_JOBS.transfers, { dealerId }, { tx });
    });
    return status;
  }

  private async recordFailure(dealerId: string, error: string): Promise<'failed'> {
    this.logger.warn(`Route onboarding of dealer ${dealerId} failed: ${error}`);
    await this.transactions.run((tx) =>
      execute(
        tx,
        `UPDATE dealer_route_accounts SET status = 'failed', last_error = $2, updated_at = now()
         WHERE dealer_id = $1 AND status IN ('pending','creating')`,
        [dealerId, error],
      ),
    );
    return 'failed';
  }

  /** `account.activated` / `product.route.activated`: the linked account can receive transfers. */
  private async onActivated(
    tx: EntityManager,
    event: RazorpayWebhookEvent,
  ): Promise<WebhookOutcome> {
    const accountId = activatedAccountId(event);
    if (accountId === null) throw new Error(`${event.event} without an account id`);
    const { rows } = await execute<{ dealer_id: string; status: RouteAccountStatus }>(
      tx,
      `SELECT dealer_id::text AS dealer_id, status FROM dealer_route_accounts
       WHERE gateway_account_id = $1 FOR UPDATE`,
      [accountId],
    );
    const row = rows[0];
    if (row === undefined)
      return {
        deferUntil: new Date(Date.now() + WAIT_FOR_ACCOUNT_MS),
        reason: `no dealer's Route account is ${accountId} (yet)`,
      };
    if (row.status === 'activated') return 'done';
    await execute(
      tx,
      `UPDATE dealer_route_accounts SET status = 'activated', activated_at = now(), last_error = NULL,
         updated_at = now() WHERE dealer_id = $1`,
      [row.dealer_id],
    );
    await this.jobs.send(ROUTE_JOBS.transfers, { dealerId: row.dealer_id }, { tx });
    return 'done';
  }

  /** Staff: dealers' Route accounts with the escrow waiting for a transfer. */
  async list(q: RouteAccountQueryDto): Promise<RouteAccountPageDto> {
    let after: { at: string; id: string } | null = null;
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      if (typeof c?.at !== 'string' || typeof c.id !== 'string')
        throw new AppProblem(
          400,
          'request/invalid-cursor',
          'Bad request',
          'The cursor is not valid',
        );
      after = { at: c.at, id: c.id };
    }
    const rows = await this.transactions.run(async (tx) => {
      const { rows } = await execute<RouteAccountRow & { cursor_at: string }>(
        tx,
        `SELECT ${ROW_COLUMNS}, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS cursor_at
         FROM ${ROW_FROM}
         WHERE ($1::text IS NULL OR r.status = $1)
           AND ($2::timestamp IS NULL OR (r.created_at AT TIME ZONE 'UTC', r.dealer_id) > ($2::timestamp, $3::uuid))
         ORDER BY r.created_at, r.dealer_id LIMIT $4`,
        [q.status ?? null, after?.at ?? null, after?.id ?? null, q.limit + 1],
      );
      return rows;
    });
    const items = rows.slice(0, q.limit);
    const last = rows.length > q.limit ? items[items.length - 1] : undefined;
    return {
      items: items.map(toDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.dealer_id }) } : {}),
    };
  }

  /** Staff: start a failed (or never started, or abandoned) onboarding again (audited). */
  async retry(dealerId: string, reason: string, meta: RequestMeta): Promise<RouteAccountDto> {
    await this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        status: RouteAccountStatus;
        attempts: number;
        last_error: string | null;
        stale: boolean;
      }>(
        tx,
        `SELECT status, attempts, last_error, updated_at < now() - make_interval(secs => $2) AS stale
         FROM dealer_route_accounts WHERE dealer_id = $1 FOR UPDATE`,
        [dealerId, STALE_CREATING_MS / 1000],
      );
      const row = rows[0];
      if (row === undefined) throw notFound();
      if (!(
        row.status === 'failed' ||
        row.status === 'pending' ||
        (row.status === 'creating' && row.stale)
      ))
        throw new AppProblem(
          409,
          'route-account/not-retryable',
          'Nothing to retry',
          `The Route account is ${row.status}`,
          { accountStatus: row.status },
        );
      await execute(
        tx,
        `UPDATE dealer_route_accounts SET status = 'pending', attempts = 0, last_error = NULL, updated_at = now()
         WHERE dealer_id = $1`,
        [dealerId],
      );
      await this.jobs.send(ROUTE_JOBS.account, { dealerId }, { tx });
      await this.audit.record(tx, meta, {
        action: 'payments.route_account.retry',
        targetType: 'user',
        targetId: dealerId,
        reason,
        before: { status: row.status, attempts: row.attempts, lastError: row.last_error },
        after: { status: 'pending' },
      });
    });
    return this.get(dealerId);
  }

  async get(dealerId: string): Promise<RouteAccountDto> {
    const { rows } = await this.transactions.run((tx) =>
      execute<RouteAccountRow>(
        tx,
        `SELECT ${ROW_COLUMNS} FROM ${ROW_FROM}
         WHERE r.dealer_id = $1`,
        [dealerId],
      ),
    );
    if (rows.length === 0) throw notFound();
    return toDto(rows[0]!);
  }
}

const ROW_COLUMNS = `r.dealer_id::text AS dealer_id, coalesce(u.business_name, u.display_name) AS dealer_name,
  r.status, r.reference_id, r.gateway_account_id, r.attempts, r.last_error, r.activated_at,
  r.created_at, r.updated_at, w.waiting_holds, w.waiting_paise::text AS waiting_paise`;

/** The FROM of ROW_COLUMNS: the row, its dealer and its waiting escrow. */
const ROW_FROM = `dealer_route_accounts r JOIN users u ON u.id = r.dealer_id LEFT JOIN LATERAL (
    SELECT count(*)::int AS waiting_holds, coalesce(sum(h.amount_paise), 0) AS waiting_paise
    FROM escrow_holds h WHERE h.dealer_id = r.dealer_id AND h.transfer_id IS NULL AND h.status <> 'refunded'
  ) w ON true`;

function toDto(r: RouteAccountRow): RouteAccountDto {
  return {
    dealerId: r.dealer_id,
    dealerName: r.dealer_name,
    status: r.status,
    referenceId: r.reference_id,
    gatewayAccountId: r.gateway_account_id,
    attempts: r.attempts,
    lastError: r.last_error,
    activatedAt: r.activated_at === null ? null : r.activated_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    waitingHolds: r.waiting_holds,
    waitingPaise: Number(r.waiting_paise),
  };
}

/** The linked account an activation event is about. */
function activatedAccountId(event: RazorpayWebhookEvent): string | null {
  const entity = (key: string) =>
    (event.payload[key] as { entity?: Record<string, unknown> } | undefined)?.entity;
  const account = entity('account')?.id;
  if (typeof account === 'string') return account;
  const product = entity('merchant_product')?.merchant_id;
  if (typeof product === 'string') return product.startsWith('acc_') ? product : `acc_${product}`;
  return event.accountId;
}
