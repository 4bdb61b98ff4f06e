/**
 * Dealer onboarding to Razorpay Route:
 * - When a dealer is approved, the onboarding intent (a `dealer_route_accounts` row, `pending`) is
 *   written in the approval's transaction with a `payments.route-account` job.
 * - The job marks the row `creating` (attempt n), creates the linked account outside any transaction
 *   (reference id: the first 20 hex digits of the dealer's uuid — Razorpay's limit is 20) with the
 *   dealer's business profile (see linkedAccountProfile), then records the account id (`created`).
 *   Razorpay allows one linked account per email: a retry after an attempt whose answer was lost
 *   (crash, timeout, 5xx after the work) is refused naming the account, which is fetched and adopted
 *   when it carries this dealer's reference id — never created twice. A retryable gateway error re-enqueues the job with backoff
 *   (30 s × 2^(n−1), ≤ 1 h) until ROUTE_MAX_ATTEMPTS, then `failed`; a refusal is `failed` at once.
 *   Staff re-enqueue a failed (or never started) onboarding, audited.
 * - Webhooks `account.activated` / `product.route.activated` mark it `activated` (never backwards;
 *   an account id we have not recorded yet waits and is tried again) and enqueue the transfers of
 *   that dealer's escrow holds that were waiting for it — once the gateway, asked first, reports the
 *   account activated (an account it does not know, or not activated: the event is rejected).
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
    const activated = (
      tx: EntityManager,
      _e: RazorpayWebhookEvent,
      account: GatewayLinkedAccount,
    ) => this.onActivated(tx, account.id);
    const confirm = { confirm: (e: RazorpayWebhookEvent) => this.confirmActivated(e) };
    this.webhooks.register('account.activated', activated, confirm);
    this.webhooks.register('product.route.activated', activated, confirm);
  }

  /** Account-status hook: an approved dealer gets its onboarding intent and job (same transaction). */
  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
  ): Promise<undefined> {
    if (change.role === 'dealer' && change.to === 'approved')
      await this.requestOnboarding(tx, change.userId);
    return undefined;
  }

  /**
   * The dealer's onboarding intent (`pending`) and its job, in the caller's transaction, unless the
   * dealer has a Route account row already: a dealer approved again (after a suspension) keeps its
   * account; a failed one is retried by staff. Whether it wrote them.
   */
  async requestOnboarding(tx: EntityManager, dealerId: string): Promise<boolean> {
    const { affected } = await execute(
      tx,
      `INSERT INTO dealer_route_accounts (dealer_id, reference_id) VALUES ($1, $2)
       ON CONFLICT (dealer_id) DO NOTHING`,
      [dealerId, routeReferenceId(dealerId)],
    );
    if (affected > 0) await this.jobs.send(ROUTE_JOBS.account, { dealerId }, { tx });
    return affected > 0;
  }

  /**
   * When the gateway no longer knows the dealer's recorded linked account (the local sandbox keeps
   * nothing across restarts), the account is forgotten and the onboarding is `pending` again, for
   * `onboard` to create a new one. Whether it did. Other gateway failures propagate.
   */
  async forgetUnknownAccount(dealerId: string): Promise<boolean> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ gateway_account_id: string | null }>(
        tx,
        `SELECT gateway_account_id FROM dealer_route_accounts WHERE dealer_id = $1`,
        [dealerId],
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
      `linked account ${accountId} of dealer ${dealerId} is unknown to the gateway: onboarding again`,
    );
    const { affected } = await this.transactions.run((tx) =>
      execute(
        tx,
        `UPDATE dealer_route_accounts SET status = 'pending', gateway_account_id = NULL, attempts = 0,
           activated_at = NULL, last_error = $3, updated_at = now()
         WHERE dealer_id = $1 AND gateway_account_id = $2`,
        [dealerId, accountId, `linked account ${accountId} unknown to the gateway`],
      ),
    );
    return affected > 0;
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
        gstin: string | null;
        pan: string | null;
        pickup_address: PickupAddress | null;
      }>(
        tx,
        `SELECT r.status, r.reference_id, r.attempts, u.email::text AS email, u.phone,
                u.business_name, u.display_name, u.gstin, u.pan, u.pickup_address
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
    const profile = linkedAccountProfile(intent);
    if (typeof profile === 'string') return this.recordFailure(dealerId, profile);

    let account: GatewayLinkedAccount;
    try {
      account = await this.createOrAdopt({
        referenceId: intent.reference_id,
        email: intent.email,
        phone: intent.phone,
        legalBusinessName: intent.business_name ?? intent.display_name,
        contactName: intent.display_name,
        ...profile,
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

  /**
   * Creates the linked account, or adopts the one an earlier attempt created: Razorpay refuses a
   * second account for an email and names the first (its v2 accounts API has no look-up by
   * reference). The named account is ours only if it carries this dealer's reference id; anything
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
            `${existing.referenceId ?? '(none)'}, not this dealer's ${input.referenceId}: resolve it ` +
            `with Razorpay (or correct the dealer's email) before retrying`,
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
  /** The activated account as the gateway has it: a rejection unless it knows it as activated. */
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

/** `users.pickup_address` as dealer signup stores it (AddressDto). */
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

/** A dealer's free-text state as Razorpay names it (`Karnataka` → `KARNATAKA`), or null. */
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

/**
 * The PAN's 4th character is its holder's type (Income Tax): P a person (a proprietor's own PAN),
 * F a firm, C a company, T a trust, H a HUF, A/B/J/G/L other bodies.
 */
const PAN_HOLDER_BUSINESS_TYPE: Record<string, string> = {
  P: 'proprietorship',
  F: 'partnership',
  C: 'private_limited',
  T: 'trust',
  H: 'huf',
  A: 'other',
  B: 'other',
  J: 'other',
  G: 'other',
  L: 'other',
};
/** Razorpay's `legal_info.pan` is a business PAN: 4th character C, H, F, A, T, B, J, G or L. */
const BUSINESS_PAN_HOLDERS = 'CHFATBJGL';
/** Razorpay's GSTIN pattern for `legal_info.gst` (stricter than GST's own at the 13th character). */
const RAZORPAY_GSTIN = /^[0123][0-9][A-Z]{5}[0-9]{4}[A-Z][0-9][A-Z0-9][A-Z0-9]$/;

const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : '');

/**
 * The business profile a dealer's linked account is created with: business type (from the PAN's
 * holder type; a proprietor's personal PAN or none: `proprietorship`), Razorpay category, the
 * pickup address as the registered address (two street lines of ≤ 100 characters, street2 being
 * line2 or the rest of a long line1, else the city: Razorpay refuses an empty street2; city letters,
 * digits and spaces; the state's name; the PIN code; `IN`) and legal info (the PAN only when it is
 * a business PAN — a proprietor's PAN belongs to a stakeholder, Razorpay refuses it here — and the
 * GSTIN). A string: why the dealer's data cannot be sent (a failure for staff).
 */
export function linkedAccountProfile(dealer: {
  gstin: string | null;
  pan: string | null;
  pickup_address: PickupAddress | null;
}): Pick<GatewayLinkedAccountInput, 'businessType' | 'profile' | 'legalInfo'> | string {
  const address = dealer.pickup_address;
  if (address === null || typeof address !== 'object')
    return 'the dealer has no pickup address (Razorpay needs the registered address)';
  const state = razorpayState(text(address.state));
  if (state === null)
    return `the dealer's state "${text(address.state)}" is not one Razorpay lists (e.g. Karnataka): correct the pickup address`;
  const postalCode = text(address.pincode);
  if (!/^[1-9][0-9]{5}$/.test(postalCode))
    return 'the pickup address has no 6-digit PIN code (Razorpay requires one)';
  const city = text(text(address.city).replace(/[^A-Za-z0-9 ]/g, ' '))
    .slice(0, 100)
    .trim();
  if (city === '') return 'the pickup address has no city (Razorpay requires one)';
  const line1 = text(address.line1);
  if (line1 === '') return 'the pickup address has no street (Razorpay requires one)';
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
    return "the pickup address does not fit Razorpay's two street lines of 100 characters";

  const pan = dealer.pan?.toUpperCase() ?? null;
  const holder = pan?.charAt(3) ?? '';
  const gst = dealer.gstin?.toUpperCase() ?? null;
  return {
    businessType: PAN_HOLDER_BUSINESS_TYPE[holder] ?? 'proprietorship',
    profile: {
      ...ROUTE_BUSINESS_CATEGORY,
      registeredAddress: { street1, street2, city, state, postalCode, country: 'IN' },
    },
    legalInfo: {
      ...(pan !== null && BUSINESS_PAN_HOLDERS.includes(holder) ? { pan } : {}),
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
