/**
 * Payee onboarding to Razorpay Route (dealers now, technicians next), one `payee_route_accounts` row
 * per payee moving through ROUTE_ACCOUNT_MACHINE (route-account-state.ts) by the common
 * `transition()`:
 * - The intent (`pending`) and a `payments.route-account` job are written in the transaction of the
 *   payee's account approval, or of the approval of its settlement details (PayeeSettlementService).
 * - The job runs Route's steps, each one gateway call made outside any transaction after its attempt
 *   is counted, and recorded once answered: the linked account (reference id: the first 20 hex
 *   digits of the payee's uuid; business type, PAN and GSTIN from the approved settlement details;
 *   the registered address from them or the dealer's pickup address), a stakeholder (the contact
 *   person; a personal PAN as its KYC), the `route` product (terms accepted), then its configuration
 *   with the approved settlement bank account. Then it follows the product's activation_status:
 *   `activated` (transfers go to the account), `needs_clarification` (staff retry once it is
 *   resolved), else it polls again with backoff. Without approved settlement details it waits.
 * - A retry after a lost answer never creates twice: Razorpay refuses a second account for an email
 *   and names the first (adopted when it carries this payee's reference id); a stakeholder already
 *   on the account is adopted; requesting the product again answers the existing one.
 * - A retryable gateway error re-enqueues the job with backoff (30 s × 2^(n−1), ≤ 1 h) until
 *   ROUTE_MAX_ATTEMPTS, then `failed`; a refusal is `failed` at once. Staff retry a failed (or
 *   needs-clarification, or never started) onboarding, audited; it resumes at the step it stopped.
 * - Webhooks `account.activated` / `product.route.activated` `activate` the account (an account id
 *   we have not recorded yet waits and is tried again) once the gateway, asked first, reports it
 *   activated, and enqueue the transfers of a dealer's escrow holds that were waiting for it.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { transition, TransitionRefused } from '../../common/state-transition.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  AccountStatusHooks,
  type AccountStatusChange,
} from '../../identity/account-status-hooks.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import {
  GatewayError,
  GatewayLinkedAccountExists,
  PAYMENT_GATEWAY,
  type GatewayLinkedAccount,
  type GatewayLinkedAccountInput,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import { confirmedUnlessContradicted, fetchKnown } from '../../gateway/webhooks/gateway-claims.js';
import {
  WebhookHandlers,
  type WebhookConfirmation,
  type WebhookOutcome,
} from '../../gateway/webhooks/webhook-handlers.js';
import type { RazorpayWebhookEvent } from '../../gateway/webhooks/webhook-event.js';
import type { PayeeKind, PayeeRouteAccountDto } from '../payees/dto/payee.dto.js';
import {
  PayeeSettlementService,
  type ApprovedSettlementDetails,
} from '../payees/payee-settlement.service.js';
import type {
  RouteAccountDto,
  RouteAccountPageDto,
  RouteAccountQueryDto,
} from './dto/route-account.dto.js';
import {
  afterProductStatus,
  resumeStep,
  ROUTE_ACCOUNT_MACHINE,
  type RouteAccountActor,
  type RouteAccountEvent,
  type RouteAccountStatus,
} from './route-account-state.js';
import {
  ROUTE_MAX_ATTEMPTS,
  routeReferenceId,
  routeRetryDelayMs,
  type RouteAccountJob,
  ROUTE_ACCOUNT_JOB,
} from './route-jobs.js';
import { HOLD_TRANSFER_JOBS } from '../../payments/hold-transfer-jobs.js';

/** How long an activation for an account id we have not recorded yet waits before it is retried. */
const WAIT_FOR_ACCOUNT_MS = 60_000;
/** Steps one job run takes at most (the whole onboarding is five). */
const STEPS_PER_RUN = 6;

interface RouteAccountRow {
  payee_id: string;
  payee_kind: PayeeKind;
  payee_name: string;
  status: RouteAccountStatus;
  reference_id: string;
  gateway_account_id: string | null;
  stakeholder_id: string | null;
  product_id: string | null;
  activation_status: string | null;
  attempts: number;
  last_error: string | null;
  activated_at: Date | null;
  created_at: Date;
  updated_at: Date;
  waiting_holds: number;
  waiting_paise: string;
}

/** What the row's columns become with a transition (a closed set: safe to name in SQL). */
interface RowPatch {
  gateway_account_id?: string | null;
  stakeholder_id?: string | null;
  product_id?: string | null;
  activation_status?: string | null;
  attempts?: number;
  last_error?: string | null;
}

/** One gateway step's answer: the next status and what to record. */
interface StepResult {
  event: RouteAccountEvent;
  to: RouteAccountStatus;
  patch: RowPatch;
}

/** The row and the payee, as a step needs them. */
interface StepIntent {
  status: RouteAccountStatus;
  payee_kind: PayeeKind;
  reference_id: string;
  gateway_account_id: string | null;
  stakeholder_id: string | null;
  product_id: string | null;
  attempts: number;
  email: string | null;
  phone: string | null;
  business_name: string | null;
  display_name: string;
  pickup_address: PickupAddress | null;
  details: ApprovedSettlementDetails | null;
}

const notFound = () =>
  new AppProblem(404, 'route-account/not-found', 'Not found', 'No Route account for this payee');

@Injectable()
export class RouteAccountsService implements OnModuleInit {
  private readonly logger = new Logger(RouteAccountsService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    private readonly statusHooks: AccountStatusHooks,
    private readonly webhooks: WebhookHandlers,
    private readonly details: PayeeSettlementService,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  onModuleInit(): void {
    this.statusHooks.register((tx, change) => this.onAccountStatus(tx, change));
    this.details.onApproved((tx, payee) => this.onDetailsApproved(tx, payee));
    this.jobs.define<RouteAccountJob>({
      name: ROUTE_ACCOUNT_JOB,
      handler: (data) => this.onboard('payeeId' in data ? data.payeeId : data.dealerId),
    });
    const activated = (
      tx: EntityManager,
      _e: RazorpayWebhookEvent,
      account: GatewayLinkedAccount,
    ) => this.onActivated(tx, account.id);
    const confirm = { confirm: (e: RazorpayWebhookEvent) => this.confirmActivated(e) };
    this.webhooks.register('account.activated', activated, confirm);
    this.webhooks.register('product.route.activated', activated, confirm);
  }

  /** Account-status hook: an approved payee gets its onboarding intent and job (same transaction). */
  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
  ): Promise<undefined> {
    if ((change.role === 'dealer' || change.role === 'technician') && change.to === 'approved')
      await this.requestOnboarding(tx, { kind: change.role, id: change.userId });
    return undefined;
  }

  /**
   * Settlement details approved: a new payee gets its intent; an onboarding waiting for them goes on;
   * a failed or needs-clarification one resumes; a configured or activated one has its product
   * configured again with the new bank account.
   */
  private async onDetailsApproved(
    tx: EntityManager,
    payee: { kind: PayeeKind; id: string },
  ): Promise<void> {
    if (await this.requestOnboarding(tx, payee)) return;
    const row = await this.lockedRow(tx, payee.id);
    if (row === undefined) return;
    const event: RouteAccountEvent | null =
      row.status === 'failed' || row.status === 'needs_clarification'
        ? 'retry'
        : row.status === 'product_configured' || row.status === 'activated'
          ? 'reconfigure'
          : null;
    if (event !== null)
      await this.move(tx, payee.id, row.status, event, 'system', {
        to: resumeStep(row),
        patch: { attempts: 0, last_error: null },
        detail: 'settlement details approved',
      });
    await this.jobs.send(ROUTE_ACCOUNT_JOB, { payeeId: payee.id }, { tx });
  }

  /**
   * The payee's onboarding intent (`pending`) and its job, in the caller's transaction, unless it has
   * a Route account row already (a payee approved again after a suspension keeps its account).
   * Whether it wrote them.
   */
  async requestOnboarding(
    tx: EntityManager,
    payee: { kind: PayeeKind; id: string },
  ): Promise<boolean> {
    const { affected } = await execute(
      tx,
      `INSERT INTO payee_route_accounts (payee_kind, payee_id, reference_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [payee.kind, payee.id, routeReferenceId(payee.id)],
    );
    if (affected > 0) await this.jobs.send(ROUTE_ACCOUNT_JOB, { payeeId: payee.id }, { tx });
    return affected > 0;
  }

  /**
   * When the gateway no longer knows the payee's recorded linked account (the local sandbox keeps
   * nothing across restarts), the account is forgotten and the onboarding is `pending` again, for
   * `onboard` to create a new one. Whether it did. Other gateway failures propagate.
   */
  async forgetUnknownAccount(payeeId: string): Promise<boolean> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ gateway_account_id: string | null }>(
        tx,
        `SELECT gateway_account_id FROM payee_route_accounts WHERE payee_id = $1`,
        [payeeId],
      ),
    );
    const accountId = rows[0]?.gateway_account_id ?? null;
    if (accountId === null) return false;
    try {
      await this.gateway.fetchLinkedAccount(accountId);
      return false;
    } catch (err) {
      // Razorpay answers an unknown id with 400 "The id provided does not exist".
      if (!(err instanceof GatewayError) || err.retryable || ![400, 404].includes(err.statusCode!))
        throw err;
    }
    this.logger.warn(
      `linked account ${accountId} of payee ${payeeId} is unknown to the gateway: onboarding again`,
    );
    return this.transactions.run(async (tx) => {
      const row = await this.lockedRow(tx, payeeId);
      if (row?.gateway_account_id !== accountId) return false;
      await this.move(tx, payeeId, row.status, 'forget', 'system', {
        patch: {
          gateway_account_id: null,
          stakeholder_id: null,
          product_id: null,
          activation_status: null,
          attempts: 0,
          last_error: `linked account ${accountId} unknown to the gateway`,
        },
      });
      return true;
    });
  }

  /**
   * The `payments.route-account` job: runs the onboarding's next steps (see the file comment). The
   * status it ends in, or `skipped` when there was nothing to do.
   */
  async onboard(payeeId: string): Promise<RouteAccountStatus | 'skipped'> {
    let last: RouteAccountStatus | 'skipped' = 'skipped';
    for (let i = 0; i < STEPS_PER_RUN; i++) {
      const outcome = await this.step(payeeId);
      if (outcome === 'skipped') return last;
      last = outcome.status;
      if (!outcome.more) return last;
    }
    return last;
  }

  /** One step: count the attempt, call the gateway, record the answer (or the error). */
  private async step(
    payeeId: string,
  ): Promise<{ status: RouteAccountStatus; more: boolean } | 'skipped'> {
    const intent = await this.transactions.run(async (tx) => {
      const row = await this.lockedIntent(tx, payeeId);
      if (row === undefined || !ACTIVE_STEPS.has(row.status)) return null;
      const details = await this.details.approved(tx, payeeId);
      if (details === null) return { ...row, details: null };
      await execute(
        tx,
        `UPDATE payee_route_accounts SET attempts = attempts + 1, updated_at = now() WHERE payee_id = $1`,
        [payeeId],
      );
      return { ...row, details, attempts: row.attempts + 1 };
    });
    if (intent === null) return 'skipped';
    if (intent.details === null) {
      this.logger.log(`Route onboarding of payee ${payeeId} waits for approved settlement details`);
      return { status: intent.status, more: false };
    }
    let result: StepResult | string;
    try {
      result = await this.callGateway(
        intent as StepIntent & { details: ApprovedSettlementDetails },
      );
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return { status: await this.recordError(payeeId, intent, err), more: false };
    }
    if (typeof result === 'string')
      return { status: await this.recordFailure(payeeId, intent.status, result), more: false };
    if (result.event === 'follow_activation' && result.to === 'product_configured') {
      // Still under Razorpay's review: ask again later, a bounded number of times.
      await this.transactions.run(async (tx) => {
        await execute(
          tx,
          `UPDATE payee_route_accounts SET activation_status = $2, updated_at = now()
           WHERE payee_id = $1 AND status = 'product_configured'`,
          [payeeId, result.patch.activation_status],
        );
        if (intent.attempts < ROUTE_MAX_ATTEMPTS)
          await this.pollLater(tx, payeeId, intent.attempts);
      });
      return { status: 'product_configured', more: false };
    }
    const recorded = await this.transactions.run(async (tx) => {
      try {
        await this.move(tx, payeeId, intent.status, result.event, 'system', {
          to: result.to,
          patch: { ...result.patch, attempts: 0, last_error: null },
        });
      } catch (err) {
        if (!(err instanceof TransitionRefused)) throw err;
        this.logger.warn(
          `Route step ${result.event} of payee ${payeeId} not recorded: the onboarding moved on meanwhile`,
        );
        return false;
      }
      if (result.to === 'activated') await this.transfersWaiting(tx, payeeId);
      if (result.to === 'product_configured') await this.pollLater(tx, payeeId, 1);
      return true;
    });
    if (!recorded) return { status: intent.status, more: false };
    return {
      status: result.to,
      more: result.to !== 'product_configured' && ACTIVE_STEPS.has(result.to),
    };
  }

  /** The gateway call of the row's step and what it leads to, or why the payee's data cannot be sent. */
  private async callGateway(
    i: StepIntent & { details: ApprovedSettlementDetails },
  ): Promise<StepResult | string> {
    switch (i.status) {
      case 'pending': {
        if (i.email === null) return 'the payee has no email address (Razorpay requires one)';
        const profile = linkedAccountProfile({
          address: (i.details.registeredAddress as PickupAddress | null) ?? i.pickup_address,
          businessType: i.details.businessType,
          pan: i.details.pan,
          gstin: i.details.gstin,
        });
        if (typeof profile === 'string') return profile;
        const account = await this.createOrAdopt({
          referenceId: i.reference_id,
          email: i.email,
          phone: i.phone,
          legalBusinessName: i.business_name ?? i.details.beneficiaryName,
          contactName: i.display_name,
          ...profile,
        });
        return {
          event: 'create_account',
          to: 'account_created',
          patch: { gateway_account_id: account.id },
        };
      }
      case 'account_created': {
        const accountId = i.gateway_account_id!;
        const existing = await this.gateway.stakeholdersOf(accountId);
        const stakeholder =
          existing[0] ??
          (await this.gateway.createStakeholder(accountId, {
            name: stakeholderName(i.display_name, i.details.beneficiaryName),
            email: i.email ?? '',
            phone: i.phone,
            pan: i.details.pan.charAt(3) === 'P' ? i.details.pan : null,
          }));
        return {
          event: 'add_stakeholder',
          to: 'stakeholder_created',
          patch: { stakeholder_id: stakeholder.id },
        };
      }
      case 'stakeholder_created': {
        const product = await this.gateway.requestRouteProduct(i.gateway_account_id!);
        return {
          event: 'request_product',
          to: 'product_requested',
          patch: { product_id: product.id, activation_status: product.activationStatus },
        };
      }
      case 'product_requested': {
        const product = await this.gateway.configureRouteProduct(
          i.gateway_account_id!,
          i.product_id!,
          {
            accountNumber: i.details.accountNumber,
            ifsc: i.details.ifsc,
            beneficiaryName: i.details.beneficiaryName,
          },
        );
        return {
          event: 'configure_product',
          to: afterProductStatus(product.activationStatus),
          patch: { activation_status: product.activationStatus },
        };
      }
      default: {
        const product = await this.gateway.fetchRouteProduct(i.gateway_account_id!, i.product_id!);
        return {
          event: 'follow_activation',
          to: afterProductStatus(product.activationStatus),
          patch: { activation_status: product.activationStatus },
        };
      }
    }
  }

  /**
   * Creates the linked account, or adopts the one an earlier attempt created: Razorpay refuses a
   * second account for an email and names the first (its v2 accounts API has no look-up by
   * reference). The named account is ours only if it carries this payee's reference id; anything
   * else (someone else's account with this email) is a refusal for staff to resolve.
   */
  private async createOrAdopt(input: GatewayLinkedAccountInput): Promise<GatewayLinkedAccount> {
    try {
      return await this.gateway.createLinkedAccount(input);
    } catch (err) {
      if (!(err instanceof GatewayLinkedAccountExists)) throw err;
      const existing = await this.gateway.fetchLinkedAccount(err.accountId);
      if (existing.referenceId !== input.referenceId)
        throw new GatewayError(
          `Razorpay already has linked account ${existing.id} for ${input.email} with reference ` +
            `${existing.referenceId ?? '(none)'}, not this payee's ${input.referenceId}: resolve it ` +
            `with Razorpay (or correct the payee's email) before retrying`,
          400,
          'LINKED_ACCOUNT_EXISTS',
          false,
        );
      this.logger.warn(
        `linked account ${existing.id} (reference ${input.referenceId}) was created by an earlier attempt: adopted`,
      );
      return existing;
    }
  }

  /** A gateway error: retried later while retryable and attempts remain, else `failed`. */
  private async recordError(
    payeeId: string,
    intent: { status: RouteAccountStatus; attempts: number },
    err: GatewayError,
  ): Promise<RouteAccountStatus> {
    if (!(err.retryable && intent.attempts < ROUTE_MAX_ATTEMPTS))
      return this.recordFailure(payeeId, intent.status, err.message);
    await this.transactions.run(async (tx) => {
      await execute(
        tx,
        `UPDATE payee_route_accounts SET last_error = $2, updated_at = now()
         WHERE payee_id = $1 AND status = $3`,
        [payeeId, err.message, intent.status],
      );
      await this.jobs.send(
        ROUTE_ACCOUNT_JOB,
        { payeeId },
        { tx, startAfter: new Date(Date.now() + routeRetryDelayMs(intent.attempts)) },
      );
    });
    return intent.status;
  }

  /** The product is under Razorpay's review: ask again later (the activation webhook may come first). */
  private async pollLater(tx: EntityManager, payeeId: string, attempt: number): Promise<void> {
    await this.jobs.send(
      ROUTE_ACCOUNT_JOB,
      { payeeId },
      { tx, startAfter: new Date(Date.now() + routeRetryDelayMs(attempt)) },
    );
  }

  private async recordFailure(
    payeeId: string,
    from: RouteAccountStatus,
    error: string,
  ): Promise<RouteAccountStatus> {
    this.logger.warn(`Route onboarding of payee ${payeeId} failed: ${error}`);
    return this.transactions.run(async (tx) => {
      try {
        await this.move(tx, payeeId, from, 'fail', 'system', {
          reason: error,
          patch: { last_error: error },
        });
        return 'failed' as const;
      } catch (err) {
        if (!(err instanceof TransitionRefused)) throw err;
        return from;
      }
    });
  }

  /** `account.activated` / `product.route.activated`: the activated account as the gateway has it. */
  private async confirmActivated(
    event: RazorpayWebhookEvent,
  ): Promise<WebhookConfirmation<GatewayLinkedAccount>> {
    const accountId = activatedAccountId(event);
    if (accountId === null) throw new Error(`${event.event} without an account id`);
    const fetched = await fetchKnown(`linked account ${accountId}`, () =>
      this.gateway.fetchLinkedAccount(accountId),
    );
    if ('rejected' in fetched) return fetched;
    const account = fetched.known;
    return confirmedUnlessContradicted(
      `${event.event} linked account ${account.id}`,
      account.status === 'activated' ? [] : [`the gateway says the account is ${account.status}`],
      account,
    );
  }

  private async onActivated(tx: EntityManager, accountId: string): Promise<WebhookOutcome> {
    const { rows } = await execute<{
      payee_id: string;
      payee_kind: PayeeKind;
      status: RouteAccountStatus;
    }>(
      tx,
      `SELECT payee_id::text AS payee_id, payee_kind, status FROM payee_route_accounts
       WHERE gateway_account_id = $1 FOR UPDATE`,
      [accountId],
    );
    const row = rows[0];
    if (row === undefined)
      return {
        deferUntil: new Date(Date.now() + WAIT_FOR_ACCOUNT_MS),
        reason: `no payee's Route account is ${accountId} (yet)`,
      };
    if (row.status === 'activated') return 'done';
    await this.move(tx, row.payee_id, row.status, 'activate', 'gateway', {
      patch: { activation_status: 'activated', last_error: null },
    });
    await this.transfersWaiting(tx, row.payee_id);
    return 'done';
  }

  /** A payee's escrow holds waiting for its account are transferred once it is activated. */
  private async transfersWaiting(tx: EntityManager, payeeId: string) {
    await this.jobs.send(HOLD_TRANSFER_JOBS.transfers, { payeeId }, { tx });
  }

  /**
   * The one status change of a Route account: the common `transition()` with this table's update
   * (the row's columns in `patch`; `activated_at` set on activation) and history row.
   */
  private async move(
    tx: EntityManager,
    payeeId: string,
    from: RouteAccountStatus,
    event: RouteAccountEvent,
    actor: RouteAccountActor,
    options: { to?: RouteAccountStatus; reason?: string; patch?: RowPatch; detail?: string } = {},
  ): Promise<void> {
    const patch = Object.entries(options.patch ?? {});
    await transition(
      tx,
      ROUTE_ACCOUNT_MACHINE,
      {
        from,
        event,
        actor,
        ...(options.to !== undefined ? { to: options.to } : {}),
        reason: options.reason ?? null,
        reasonRequiredStatus: 400,
        problem: { payeeId, accountStatus: from },
      },
      {
        historyTable: 'payee_route_account_history',
        update: (f, to) =>
          execute(
            tx,
            `UPDATE payee_route_accounts SET status = $2,
               ${patch.map(([column], i) => `${column} = $${i + 4}, `).join('')}
               activated_at = CASE WHEN $2 = 'activated' THEN coalesce(activated_at, now()) END,
               updated_at = now()
             WHERE payee_id = $1 AND status = $3`,
            [payeeId, to, f, ...patch.map(([, v]) => v)],
          ),
        insertHistory: async (f, to) => {
          const { rows } = await execute<{ id: string }>(
            tx,
            `INSERT INTO payee_route_account_history (payee_id, event, from_status, to_status, actor, detail)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`,
            [payeeId, event, f, to, actor, options.reason ?? options.detail ?? null],
          );
          return rows[0]!.id;
        },
      },
    );
  }

  private async lockedRow(tx: EntityManager, payeeId: string) {
    const { rows } = await execute<{
      status: RouteAccountStatus;
      attempts: number;
      last_error: string | null;
      gateway_account_id: string | null;
      stakeholder_id: string | null;
      product_id: string | null;
    }>(
      tx,
      `SELECT status, attempts, last_error, gateway_account_id, stakeholder_id, product_id
       FROM payee_route_accounts WHERE payee_id = $1 FOR UPDATE`,
      [payeeId],
    );
    return rows[0];
  }

  private async lockedIntent(
    tx: EntityManager,
    payeeId: string,
  ): Promise<Omit<StepIntent, 'details'> | undefined> {
    const { rows } = await execute<Omit<StepIntent, 'details'>>(
      tx,
      `SELECT r.status, r.payee_kind, r.reference_id, r.gateway_account_id, r.stakeholder_id,
              r.product_id, r.attempts, u.email::text AS email, u.phone, u.business_name,
              u.display_name, u.pickup_address
       FROM payee_route_accounts r JOIN users u ON u.id = r.payee_id
       WHERE r.payee_id = $1 FOR UPDATE OF r`,
      [payeeId],
    );
    return rows[0];
  }

  /** Staff: payees' Route accounts with the escrow waiting for a transfer. */
  async list(q: RouteAccountQueryDto): Promise<RouteAccountPageDto> {
    const after = parseKeysetCursor(q.cursor, {
      at: cursorFields.matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
      id: cursorFields.uuid,
    });
    const rows = await this.transactions.run(async (tx) => {
      const { rows } = await execute<RouteAccountRow & { cursor_at: string }>(
        tx,
        `SELECT ${ROW_COLUMNS}, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS cursor_at
         FROM ${ROW_FROM}
         WHERE ($1::text IS NULL OR r.status = $1)
           AND ($2::timestamp IS NULL OR (r.created_at AT TIME ZONE 'UTC', r.payee_id) > ($2::timestamp, $3::uuid))
         ORDER BY r.created_at, r.payee_id LIMIT $4`,
        [q.status ?? null, after?.at ?? null, after?.id ?? null, q.limit + 1],
      );
      return rows;
    });
    const items = rows.slice(0, q.limit);
    const last = rows.length > q.limit ? items[items.length - 1] : undefined;
    return {
      items: items.map(toDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.payee_id }) } : {}),
    };
  }

  /**
   * Staff: start a failed, needs-clarification (once resolved with Razorpay) or never started
   * onboarding again, at the step it stopped (audited).
   */
  async retry(payeeId: string, reason: string, meta: RequestMeta): Promise<RouteAccountDto> {
    await this.transactions.run(async (tx) => {
      const row = await this.lockedRow(tx, payeeId);
      if (row === undefined) throw notFound();
      const to = resumeStep(row);
      try {
        await this.move(tx, payeeId, row.status, 'retry', 'staff', {
          to,
          reason,
          patch: { attempts: 0, last_error: null },
        });
      } catch (err) {
        if (!(err instanceof TransitionRefused)) throw err;
        throw new AppProblem(
          409,
          'route-account/not-retryable',
          'Nothing to retry',
          `The Route account is ${row.status}`,
          { accountStatus: row.status },
        );
      }
      await this.jobs.send(ROUTE_ACCOUNT_JOB, { payeeId }, { tx });
      await this.audit.record(tx, meta, {
        action: 'payments.route_account.retry',
        targetType: 'user',
        targetId: payeeId,
        reason,
        before: { status: row.status, attempts: row.attempts, lastError: row.last_error },
        after: { status: to },
      });
    });
    return this.get(payeeId);
  }

  async get(payeeId: string): Promise<RouteAccountDto> {
    const { rows } = await this.transactions.run((tx) =>
      execute<RouteAccountRow>(
        tx,
        `SELECT ${ROW_COLUMNS} FROM ${ROW_FROM}
         WHERE r.payee_id = $1`,
        [payeeId],
      ),
    );
    if (rows.length === 0) throw notFound();
    return toDto(rows[0]!);
  }

  /** The payee's Route account as the payee sees it, or null before onboarding started. */
  async statusOf(payeeId: string): Promise<PayeeRouteAccountDto | null> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{
        status: RouteAccountStatus;
        activation_status: string | null;
        last_error: string | null;
      }>(
        tx,
        `SELECT status, activation_status, last_error FROM payee_route_accounts WHERE payee_id = $1`,
        [payeeId],
      ),
    );
    const r = rows[0];
    return r === undefined
      ? null
      : { status: r.status, activationStatus: r.activation_status, lastError: r.last_error };
  }

  /** Whether a user is a payee, and which kind (404 otherwise). */
  async payeeKindOf(userId: string): Promise<PayeeKind> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ role: string }>(tx, `SELECT role FROM users WHERE id = $1`, [userId]),
    );
    const role = rows[0]?.role;
    if (role !== 'dealer' && role !== 'technician')
      throw new AppProblem(
        404,
        'payee/not-found',
        'Not found',
        'No dealer or technician has this id',
      );
    return role;
  }
}

/** The statuses the onboarding job acts on. */
const ACTIVE_STEPS: ReadonlySet<RouteAccountStatus> = new Set([
  'pending',
  'account_created',
  'stakeholder_created',
  'product_requested',
  'product_configured',
]);

const ROW_COLUMNS = `r.payee_id::text AS payee_id, r.payee_kind,
  coalesce(u.business_name, u.display_name) AS payee_name, r.status, r.reference_id,
  r.gateway_account_id, r.stakeholder_id, r.product_id, r.activation_status, r.attempts,
  r.last_error, r.activated_at, r.created_at, r.updated_at, w.waiting_holds,
  w.waiting_paise::text AS waiting_paise`;

/** The FROM of ROW_COLUMNS: the row, its payee and the escrow waiting for it. */
const ROW_FROM = `payee_route_accounts r JOIN users u ON u.id = r.payee_id LEFT JOIN LATERAL (
    SELECT count(*)::int AS waiting_holds, coalesce(sum(h.amount_paise), 0) AS waiting_paise
    FROM escrow_holds h WHERE h.payee_type = r.payee_kind AND h.payee_id = r.payee_id
      AND h.transfer_id IS NULL AND h.status <> 'refunded'
  ) w ON true`;

function toDto(r: RouteAccountRow): RouteAccountDto {
  return {
    payeeId: r.payee_id,
    payeeKind: r.payee_kind,
    payeeName: r.payee_name,
    status: r.status,
    referenceId: r.reference_id,
    gatewayAccountId: r.gateway_account_id,
    stakeholderId: r.stakeholder_id,
    productId: r.product_id,
    activationStatus: r.activation_status,
    attempts: r.attempts,
    lastError: r.last_error,
    activatedAt: r.activated_at === null ? null : r.activated_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    waitingHolds: r.waiting_holds,
    waitingPaise: Number(r.waiting_paise),
  };
}

/** A stakeholder's name as Razorpay takes it (letters and spaces): the contact's, else the beneficiary's. */
function stakeholderName(contact: string, beneficiary: string): string {
  const clean = (v: string) =>
    v
      .replace(/[^A-Za-z .']/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const name = clean(contact);
  return name.length >= 4 ? name : clean(beneficiary);
}

/** An address as dealer signup (pickup) and the settlement details store it (AddressDto). */
interface PickupAddress {
  line1?: unknown;
  line2?: unknown;
  city?: unknown;
  state?: unknown;
  pincode?: unknown;
}

/**
 * Razorpay business category of a dealer's linked account: `ecommerce` /
 * `telecommunication_equipment_stores` ("Telecommunication Equipment Including Telephone Sales",
 * MCC 4812) — mobile phone spare parts are telephone equipment; `electronics_and_furniture` (MCC
 * 5732) is consumer electronics and furniture retail.
 */
export const ROUTE_BUSINESS_CATEGORY = {
  category: 'ecommerce',
  subcategory: 'telecommunication_equipment_stores',
} as const;

/** The states Razorpay's linked-account API lists; it takes the name (a code is refused). */
const RAZORPAY_STATES = new Set([
  'ANDAMAN AND NICOBAR ISLANDS',
  'ANDHRA PRADESH',
  'ARUNACHAL PRADESH',
  'ASSAM',
  'BIHAR',
  'CHANDIGARH',
  'CHHATTISGARH',
  'DADRA AND NAGAR HAVELI',
  'DAMAN AND DIU',
  'DELHI',
  'GOA',
  'GUJARAT',
  'HARYANA',
  'HIMACHAL PRADESH',
  'JAMMU AND KASHMIR',
  'JHARKHAND',
  'KARNATAKA',
  'KERALA',
  'LAKSHADWEEP',
  'MADHYA PRADESH',
  'MAHARASHTRA',
  'MANIPUR',
  'MEGHALAYA',
  'MIZORAM',
  'NAGALAND',
  'ODISHA',
  'PONDICHERRY',
  'PUNJAB',
  'RAJASTHAN',
  'SIKKIM',
  'TAMIL NADU',
  'TRIPURA',
  'TELANGANA',
  'UTTAR PRADESH',
  'UTTARAKHAND',
  'WEST BENGAL',
]);

/** Other spellings of the listed states. */
const STATE_ALIASES: Record<string, string> = {
  ORISSA: 'ODISHA',
  PUDUCHERRY: 'PONDICHERRY',
  'NCT OF DELHI': 'DELHI',
  'NEW DELHI': 'DELHI',
  'DELHI NCT': 'DELHI',
  UTTARANCHAL: 'UTTARAKHAND',
  CHATTISGARH: 'CHHATTISGARH',
  TAMILNADU: 'TAMIL NADU',
};

/** A free-text state as Razorpay names it (`Karnataka` → `KARNATAKA`), or null. */
export function razorpayState(state: string): string | null {
  const key = state
    .toUpperCase()
    .replace(/&/g, ' AND ')
    .replace(/[^A-Z ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const name = STATE_ALIASES[key] ?? key;
  return RAZORPAY_STATES.has(name) ? name : null;
}

/** Razorpay's `legal_info.pan` is a business PAN: 4th character C, H, F, A, T, B, J, G or L. */
const BUSINESS_PAN_HOLDERS = 'CHFATBJGL';
/** Razorpay's GSTIN pattern for `legal_info.gst` (stricter than GST's own at the 13th character). */
const RAZORPAY_GSTIN = /^[0123][0-9][A-Z]{5}[0-9]{4}[A-Z][0-9][A-Z0-9][A-Z0-9]$/;

const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : '');

/**
 * The business profile a payee's linked account is created with, from its approved settlement
 * details: Razorpay's legal business type, the Razorpay category, the registered address (two street
 * lines of ≤ 100 characters, street2 being line2 or the rest of a long line1, else the city: Razorpay
 * refuses an empty street2; city letters, digits and spaces; the state's name; the PIN code; `IN`)
 * and legal info (the PAN only when it is a business PAN — a person's PAN belongs to the stakeholder,
 * Razorpay refuses it here — and the GSTIN). A string: why the data cannot be sent (a failure for
 * staff).
 */
export function linkedAccountProfile(payee: {
  address: PickupAddress | null;
  businessType: string;
  pan: string | null;
  gstin: string | null;
}): Pick<GatewayLinkedAccountInput, 'businessType' | 'profile' | 'legalInfo'> | string {
  const address = payee.address;
  if (address === null || typeof address !== 'object')
    return 'the payee has no registered address (Razorpay needs one: give it with the settlement details)';
  const state = razorpayState(text(address.state));
  if (state === null)
    return `the payee's state "${text(address.state)}" is not one Razorpay lists (e.g. Karnataka): correct the address`;
  const postalCode = text(address.pincode);
  if (!/^[1-9][0-9]{5}$/.test(postalCode))
    return 'the address has no 6-digit PIN code (Razorpay requires one)';
  const city = text(text(address.city).replace(/[^A-Za-z0-9 ]/g, ' '))
    .slice(0, 100)
    .trim();
  if (city === '') return 'the address has no city (Razorpay requires one)';
  const line1 = text(address.line1);
  if (line1 === '') return 'the address has no street (Razorpay requires one)';
  let street1 = line1;
  let rest = '';
  if (line1.length > 100) {
    const cut = line1.lastIndexOf(' ', 100);
    const at = cut > 0 ? cut : 100;
    street1 = line1.slice(0, at).trim();
    rest = line1.slice(at).trim();
  }
  const street2 = [rest, text(address.line2)].filter((x) => x !== '').join(', ') || city;
  if (street2.length > 100)
    return "the address does not fit Razorpay's two street lines of 100 characters";

  const pan = payee.pan?.toUpperCase() ?? null;
  const gst = payee.gstin?.toUpperCase() ?? null;
  return {
    businessType: payee.businessType,
    profile: {
      ...ROUTE_BUSINESS_CATEGORY,
      registeredAddress: { street1, street2, city, state, postalCode, country: 'IN' },
    },
    legalInfo: {
      ...(pan !== null && BUSINESS_PAN_HOLDERS.includes(pan.charAt(3)) ? { pan } : {}),
      ...(gst !== null && RAZORPAY_GSTIN.test(gst) ? { gst } : {}),
    },
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
