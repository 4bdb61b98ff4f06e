import { createHmac, timingSafeEqual } from 'node:crypto';
import Razorpay from 'razorpay';
import type { AppConfig } from '../config/app-config.js';
import {
  GatewayError,
  GatewayLinkedAccountExists,
  type GatewayLinkedAccount,
  type GatewayLinkedAccountInput,
  type GatewayRouteProduct,
  type GatewaySettlementAccount,
  type GatewayStakeholder,
  type GatewayStakeholderInput,
  type GatewayListRange,
  type GatewayOrder,
  type GatewayOrderStatus,
  type GatewayPayment,
  type GatewayPaymentLink,
  type GatewayPaymentLinkInput,
  type GatewayPaymentLinkStatus,
  type GatewayQrCode,
  type GatewayQrCodeInput,
  type GatewayPaymentStatus,
  type GatewayRecipientSettlement,
  type GatewayRefund,
  type GatewayReversal,
  type GatewaySettlement,
  type GatewayTransfer,
  type PaymentGateway,
} from './payment-gateway.js';

/** Lower-case hex HMAC-SHA256 of `data` under `key` (checkout and webhook signatures). */
export function hmacSha256Hex(key: string, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Compares a received hex signature with the expected one in constant time. */
export function signatureMatches(expectedHex: string, receivedHex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(receivedHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(receivedHex, 'hex'));
}

type Json = Record<string, unknown>;
type Params = Record<string, unknown>;

/** The slice of the SDK we call, typed loosely: responses are parsed below, not trusted to the SDK's typings. */
interface RazorpayClient {
  orders: {
    create(p: Params): Promise<unknown>;
    fetch(id: string): Promise<unknown>;
    fetchPayments(id: string): Promise<unknown>;
  };
  payments: {
    all(p: Params): Promise<unknown>;
    fetch(id: string): Promise<unknown>;
    capture(id: string, amount: number, currency: string): Promise<unknown>;
    transfer(id: string, p: Params): Promise<unknown>;
  };
  transfers: {
    all(p: Params): Promise<unknown>;
    fetch(id: string): Promise<unknown>;
    edit(id: string, p: Params): Promise<unknown>;
    reverse(id: string, p: Params): Promise<unknown>;
  };
  refunds: { all(p: Params): Promise<unknown>; fetch(id: string): Promise<unknown> };
  accounts: { create(p: Params): Promise<unknown>; fetch(id: string): Promise<unknown> };
  stakeholders: {
    create(accountId: string, p: Params): Promise<unknown>;
    all(accountId: string): Promise<unknown>;
  };
  products: {
    requestProductConfiguration(accountId: string, p: Params): Promise<unknown>;
    edit(accountId: string, productId: string, p: Params): Promise<unknown>;
    fetch(accountId: string, productId: string): Promise<unknown>;
  };
  settlements: { all(p: Params): Promise<unknown>; fetch(id: string): Promise<unknown> };
  paymentLink: {
    create(p: Params): Promise<unknown>;
    fetch(id: string): Promise<unknown>;
    all(p: Params): Promise<unknown>;
    cancel(id: string): Promise<unknown>;
  };
  qrCode: {
    create(p: Params): Promise<unknown>;
    fetch(id: string): Promise<unknown>;
    all(p: Params): Promise<unknown>;
    fetchAllPayments(id: string): Promise<unknown>;
    close(id: string): Promise<unknown>;
  };
  api: {
    rq: AxiosLike;
    /** A GET the SDK has no method for (`url` under /v1; `data` as query parameters). */
    get(p: { url: string; data?: Params }): Promise<unknown>;
  };
}

/** The SDK's axios instance (`instance.api.rq`), which the SDK does not type. */
interface AxiosLike {
  defaults: { baseURL?: string; timeout?: number };
  interceptors: {
    response: { use(onOk: (r: unknown) => unknown, onError: (e: unknown) => unknown): number };
  };
  post(
    url: string,
    data: unknown,
    config: { headers: Record<string, string> },
  ): Promise<{ data: unknown }>;
  get(url: string, config: { headers: Record<string, string> }): Promise<{ data: unknown }>;
}

/** What every failure looks like once our interceptor (and, for SDK methods, its normalizeError) ran. */
interface WireFailure {
  response: { status: number; data: unknown };
}

export interface RazorpayGatewayOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
}

/**
 * The PaymentGateway port over the official `razorpay` SDK. The SDK hard-codes
 * https://api.razorpay.com, so the axios instance it builds is re-pointed at `apiUrl` (the local
 * sandbox in development and tests). Every failure becomes a GatewayError: retryable for network
 * errors, timeouts, 429 and 5xx. The refund call goes through the same axios instance directly
 * because the SDK offers no way to send the `X-Refund-Idempotency` header, and so does the fetch of
 * a linked account's settlement (`X-Razorpay-Account`).
 */
export class RazorpayGateway implements PaymentGateway {
  readonly keyId: string;
  private readonly keySecret: string;
  private readonly client: RazorpayClient;

  constructor(config: AppConfig['razorpay'], options: RazorpayGatewayOptions = {}) {
    this.keyId = config.keyId;
    this.keySecret = config.keySecret;
    this.client = new Razorpay({
      key_id: config.keyId,
      key_secret: config.keySecret,
    }) as unknown as RazorpayClient;
    const rq = this.client.api.rq;
    rq.defaults.baseURL = config.apiUrl.replace(/\/+$/, '');
    rq.defaults.timeout = options.timeoutMs ?? 15_000;
    // The SDK's normalizeError reads err.response.status and crashes when there is no response
    // (connection refused, reset, timeout): give every failure a response so it survives.
    rq.interceptors.response.use(
      (r) => r,
      (err: unknown) => Promise.reject(toWireFailure(err)),
    );
  }

  async createOrder(input: {
    amountPaise: number;
    receipt: string;
    notes: Record<string, string>;
  }): Promise<GatewayOrder> {
    const raw = await this.call('create order', () =>
      this.client.orders.create({
        amount: input.amountPaise,
        currency: 'INR',
        receipt: input.receipt,
        notes: input.notes,
        partial_payment: false,
      }),
    );
    return toOrder(raw);
  }

  async fetchOrder(orderId: string): Promise<GatewayOrder> {
    return toOrder(await this.call('fetch order', () => this.client.orders.fetch(orderId)));
  }

  async paymentsOfOrder(orderId: string): Promise<GatewayPayment[]> {
    const raw = await this.call('fetch order payments', () =>
      this.client.orders.fetchPayments(orderId),
    );
    return items(raw).map(toPayment);
  }

  async fetchPayment(paymentId: string): Promise<GatewayPayment> {
    return toPayment(await this.call('fetch payment', () => this.client.payments.fetch(paymentId)));
  }

  async capturePayment(paymentId: string, amountPaise: number): Promise<GatewayPayment> {
    const raw = await this.call('capture payment', () =>
      this.client.payments.capture(paymentId, amountPaise, 'INR'),
    );
    return toPayment(raw);
  }

  verifyCheckoutSignature(input: {
    orderId: string;
    paymentId: string;
    signature: string;
  }): boolean {
    const expected = hmacSha256Hex(this.keySecret, `${input.orderId}|${input.paymentId}`);
    return signatureMatches(expected, input.signature);
  }

  async transferFromPayment(
    paymentId: string,
    transfers: {
      accountId: string;
      amountPaise: number;
      onHold: boolean;
      notes: Record<string, string>;
    }[],
  ): Promise<GatewayTransfer[]> {
    const raw = await this.call('create transfers', () =>
      this.client.payments.transfer(paymentId, {
        transfers: transfers.map((t) => ({
          account: t.accountId,
          amount: t.amountPaise,
          currency: 'INR',
          notes: t.notes,
          on_hold: t.onHold,
        })),
      }),
    );
    return items(raw).map(toTransfer);
  }

  async fetchTransfer(transferId: string): Promise<GatewayTransfer> {
    return toTransfer(
      await this.call('fetch transfer', () => this.client.transfers.fetch(transferId)),
    );
  }

  async setTransferHold(transferId: string, onHold: boolean): Promise<GatewayTransfer> {
    const raw = await this.call('edit transfer', () =>
      this.client.transfers.edit(transferId, { on_hold: onHold }),
    );
    return toTransfer(raw);
  }

  async reverseTransfer(
    transferId: string,
    amountPaise: number,
  ): Promise<{ id: string; amountPaise: number }> {
    const raw = obj(
      await this.call('reverse transfer', () =>
        this.client.transfers.reverse(transferId, { amount: amountPaise }),
      ),
    );
    return { id: str(raw, 'id'), amountPaise: int(raw, 'amount') };
  }

  async refundPayment(
    paymentId: string,
    input: {
      amountPaise: number;
      idempotencyKey: string;
      reverseAll: boolean;
      notes: Record<string, string>;
    },
  ): Promise<GatewayRefund> {
    const raw = await this.call('refund payment', async () => {
      const res = await this.client.api.rq.post(
        `/v1/payments/${encodeURIComponent(paymentId)}/refund`,
        {
          amount: input.amountPaise,
          speed: 'normal',
          notes: input.notes,
          ...(input.reverseAll ? { reverse_all: 1 } : {}),
        },
        { headers: { 'X-Refund-Idempotency': input.idempotencyKey } },
      );
      return res.data;
    });
    return toRefund(raw);
  }

  async fetchRefund(refundId: string): Promise<GatewayRefund> {
    return toRefund(await this.call('fetch refund', () => this.client.refunds.fetch(refundId)));
  }

  async createLinkedAccount(input: GatewayLinkedAccountInput): Promise<GatewayLinkedAccount> {
    const address = input.profile.registeredAddress;
    const legalInfo = {
      ...(input.legalInfo.pan ? { pan: input.legalInfo.pan } : {}),
      ...(input.legalInfo.gst ? { gst: input.legalInfo.gst } : {}),
    };
    let raw: unknown;
    try {
      raw = await this.client.accounts.create({
        email: input.email,
        ...(input.phone ? { phone: input.phone } : {}),
        type: 'route',
        reference_id: input.referenceId,
        legal_business_name: input.legalBusinessName,
        business_type: input.businessType,
        contact_name: input.contactName,
        profile: {
          category: input.profile.category,
          subcategory: input.profile.subcategory,
          addresses: {
            registered: {
              street1: address.street1,
              street2: address.street2,
              city: address.city,
              state: address.state,
              postal_code: address.postalCode,
              country: address.country,
            },
          },
        },
        ...(Object.keys(legalInfo).length > 0 ? { legal_info: legalInfo } : {}),
      });
    } catch (err) {
      const mapped = toGatewayError('create linked account', err);
      const existing = mapped.statusCode === 400 ? existingAccountIdOf(err) : null;
      if (existing !== null) throw new GatewayLinkedAccountExists(mapped.message, existing);
      throw mapped;
    }
    return toLinkedAccount(raw);
  }

  async fetchLinkedAccount(accountId: string): Promise<GatewayLinkedAccount> {
    return toLinkedAccount(
      await this.call('fetch linked account', () => this.client.accounts.fetch(accountId)),
    );
  }

  async createStakeholder(
    accountId: string,
    input: GatewayStakeholderInput,
  ): Promise<GatewayStakeholder> {
    return toStakeholder(
      await this.call('create stakeholder', () =>
        this.client.stakeholders.create(accountId, {
          name: input.name,
          email: input.email,
          ...(input.phone ? { phone: { primary: input.phone } } : {}),
          ...(input.pan ? { kyc: { pan: input.pan } } : {}),
        }),
      ),
    );
  }

  async stakeholdersOf(accountId: string): Promise<GatewayStakeholder[]> {
    const raw = await this.call('list stakeholders', () => this.client.stakeholders.all(accountId));
    return items(raw).map(toStakeholder);
  }

  async requestRouteProduct(accountId: string): Promise<GatewayRouteProduct> {
    return toRouteProduct(
      await this.call('request route product', () =>
        this.client.products.requestProductConfiguration(accountId, {
          product_name: 'route',
          tnc_accepted: true,
        }),
      ),
    );
  }

  async configureRouteProduct(
    accountId: string,
    productId: string,
    settlements: GatewaySettlementAccount,
  ): Promise<GatewayRouteProduct> {
    return toRouteProduct(
      await this.call('configure route product', () =>
        this.client.products.edit(accountId, productId, {
          settlements: {
            account_number: settlements.accountNumber,
            ifsc_code: settlements.ifsc,
            beneficiary_name: settlements.beneficiaryName,
          },
          tnc_accepted: true,
        }),
      ),
    );
  }

  async fetchRouteProduct(accountId: string, productId: string): Promise<GatewayRouteProduct> {
    return toRouteProduct(
      await this.call('fetch route product', () =>
        this.client.products.fetch(accountId, productId),
      ),
    );
  }

  async fetchSettlement(
    settlementId: string,
    linkedAccountId?: string,
  ): Promise<GatewaySettlement> {
    // The SDK's settlements.fetch cannot send the linked account's header: the axios instance can.
    const raw = await this.call('fetch settlement', async () =>
      linkedAccountId === undefined
        ? this.client.settlements.fetch(settlementId)
        : (
            await this.client.api.rq.get(`/v1/settlements/${encodeURIComponent(settlementId)}`, {
              headers: { 'X-Razorpay-Account': linkedAccountId },
            })
          ).data,
    );
    return toSettlement(raw);
  }

  async listPayments(range: GatewayListRange): Promise<GatewayPayment[]> {
    return (
      await this.listAll('list payments', (page) =>
        this.client.payments.all({ ...rangeParams(range), ...page }),
      )
    ).map(toPayment);
  }

  async listRefunds(range: GatewayListRange): Promise<GatewayRefund[]> {
    return (
      await this.listAll('list refunds', (page) =>
        this.client.refunds.all({ ...rangeParams(range), ...page }),
      )
    ).map(toRefund);
  }

  async listTransfers(range: GatewayListRange): Promise<GatewayTransfer[]> {
    return (
      await this.listAll('list transfers', (page) =>
        this.client.transfers.all({ ...rangeParams(range), ...page }),
      )
    ).map(toTransfer);
  }

  async recipientSettlement(settlementId: string): Promise<GatewayRecipientSettlement> {
    // The SDK's transfers.all drops `expand[]`: the same list through its generic GET.
    const raw = await this.listAll('list transfers of settlement', (page) =>
      this.client.api.get({
        url: '/transfers',
        data: {
          recipient_settlement_id: settlementId,
          'expand[]': 'recipient_settlement',
          ...page,
        },
      }),
    );
    let createdAt: number | null = null;
    for (const t of raw) {
      const s = obj(t).recipient_settlement;
      if (s !== null && s !== undefined && str(obj(s), 'id') === settlementId)
        createdAt = int(obj(s), 'created_at');
    }
    return { id: settlementId, createdAt, transfers: raw.map(toTransfer) };
  }

  async reversalsOfTransfer(transferId: string): Promise<GatewayReversal[]> {
    const raw = await this.call('list reversals', () =>
      this.client.api.get({ url: `/transfers/${encodeURIComponent(transferId)}/reversals` }),
    );
    return items(raw).map((v) => {
      const o = obj(v);
      return {
        id: str(o, 'id'),
        transferId: str(o, 'transfer_id'),
        amountPaise: int(o, 'amount'),
        createdAt: int(o, 'created_at'),
      };
    });
  }

  async listSettlements(range: GatewayListRange): Promise<GatewaySettlement[]> {
    return (
      await this.listAll('list settlements', (page) =>
        this.client.settlements.all({ ...rangeParams(range), ...page }),
      )
    ).map(toSettlement);
  }

  async createPaymentLink(input: GatewayPaymentLinkInput): Promise<GatewayPaymentLink> {
    const raw = await this.call('create payment link', () =>
      this.client.paymentLink.create({
        amount: input.amountPaise,
        currency: 'INR',
        accept_partial: false,
        reference_id: input.referenceId,
        description: input.description,
        customer: input.customer,
        notify: input.notify,
        reminder_enable: false,
        notes: input.notes,
        ...(input.expireBy !== null ? { expire_by: input.expireBy } : {}),
        ...(input.callbackUrl !== null
          ? { callback_url: input.callbackUrl, callback_method: 'get' }
          : {}),
      }),
    );
    return toPaymentLink(raw);
  }

  async fetchPaymentLink(linkId: string): Promise<GatewayPaymentLink> {
    return toPaymentLink(
      await this.call('fetch payment link', () => this.client.paymentLink.fetch(linkId)),
    );
  }

  async paymentLinkByReference(referenceId: string): Promise<GatewayPaymentLink | null> {
    const raw = obj(
      await this.call('list payment links', () =>
        this.client.paymentLink.all({ reference_id: referenceId }),
      ),
    );
    // Razorpay lists links under `payment_links`, not `items`.
    const links = raw.payment_links;
    if (!Array.isArray(links)) throw malformed('no payment_links');
    const found = links.map(toPaymentLink).filter((l) => l.referenceId === referenceId);
    if (found.length > 1) throw malformed(`${found.length} payment links for ${referenceId}`);
    return found[0] ?? null;
  }

  async cancelPaymentLink(linkId: string): Promise<GatewayPaymentLink> {
    return toPaymentLink(
      await this.call('cancel payment link', () => this.client.paymentLink.cancel(linkId)),
    );
  }

  async createQrCode(input: GatewayQrCodeInput): Promise<GatewayQrCode> {
    const raw = await this.call('create qr code', () =>
      this.client.qrCode.create({
        type: 'upi_qr',
        name: input.name,
        usage: 'single_use',
        fixed_amount: true,
        payment_amount: input.amountPaise,
        description: input.description,
        notes: input.notes,
        ...(input.closeBy !== null ? { close_by: input.closeBy } : {}),
      }),
    );
    return toQrCode(raw);
  }

  async listQrCodes(range: GatewayListRange): Promise<GatewayQrCode[]> {
    return (
      await this.listAll('list qr codes', (page) =>
        this.client.qrCode.all({ ...rangeParams(range), ...page }),
      )
    ).map(toQrCode);
  }

  async fetchQrCode(qrId: string): Promise<GatewayQrCode> {
    return toQrCode(await this.call('fetch qr code', () => this.client.qrCode.fetch(qrId)));
  }

  async paymentsOfQrCode(qrId: string): Promise<GatewayPayment[]> {
    const raw = await this.call('fetch qr code payments', () =>
      this.client.qrCode.fetchAllPayments(qrId),
    );
    return items(raw).map(toPayment);
  }

  async closeQrCode(qrId: string): Promise<GatewayQrCode> {
    return toQrCode(await this.call('close qr code', () => this.client.qrCode.close(qrId)));
  }

  /**
   * Pages through a Razorpay collection (newest first) 100 items at a time until a short page.
   * Items created meanwhile push older ones onto the next page, so an item can come twice: each id
   * is kept once (its first, i.e. latest, copy).
   */
  private async listAll(
    what: string,
    fetchPage: (page: { count: number; skip: number }) => Promise<unknown>,
  ): Promise<unknown[]> {
    const seen = new Map<string, unknown>();
    for (let skip = 0; ; skip += LIST_PAGE_SIZE) {
      const page = items(await this.call(what, () => fetchPage({ count: LIST_PAGE_SIZE, skip })));
      let added = 0;
      for (const item of page) {
        const id = str(obj(item), 'id');
        if (!seen.has(id)) {
          seen.set(id, item);
          added += 1;
        }
      }
      if (page.length < LIST_PAGE_SIZE) break;
      // A full page of items already seen: the gateway ignores `skip`; stop rather than loop forever.
      if (added === 0) throw malformed(`${what}: paging made no progress at skip ${skip}`);
    }
    return [...seen.values()];
  }

  private async call(what: string, fn: () => Promise<unknown>): Promise<unknown> {
    try {
      return await fn();
    } catch (err) {
      throw toGatewayError(what, err);
    }
  }
}

/** Razorpay's largest page (`count`). */
const LIST_PAGE_SIZE = 100;

function rangeParams(range: GatewayListRange): { from: number; to: number } {
  if (!Number.isSafeInteger(range.from) || !Number.isSafeInteger(range.to))
    throw new GatewayError('A list range is unix seconds (integers)', null, null, false);
  return { from: range.from, to: range.to };
}

// ---- errors ---------------------------------------------------------------------------------------

function toWireFailure(err: unknown): WireFailure {
  const e = err as {
    response?: { status?: unknown; data?: unknown };
    code?: unknown;
    message?: unknown;
  };
  if (e?.response && typeof e.response.status === 'number')
    return { response: { status: e.response.status, data: e.response.data } };
  const code = typeof e?.code === 'string' ? e.code : 'NETWORK_ERROR';
  const message = typeof e?.message === 'string' ? e.message : 'network error';
  return { response: { status: 0, data: { error: { code, description: message } } } };
}

/** Maps a failure (the SDK's `{ statusCode, error }` or our interceptor's WireFailure) to GatewayError. */
export function toGatewayError(what: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = (err ?? {}) as {
    statusCode?: unknown;
    error?: unknown;
    response?: { status?: unknown; data?: unknown };
  };
  let status: number;
  let body: unknown;
  if (typeof e.statusCode === 'number') {
    status = e.statusCode;
    body = e.error;
  } else if (e.response && typeof e.response.status === 'number') {
    status = e.response.status;
    body = (e.response.data as { error?: unknown } | undefined)?.error;
  } else {
    return new GatewayError(
      `Razorpay ${what} failed: ${(err as Error)?.message ?? String(err)}`,
      null,
      null,
      false,
    );
  }
  const detail = (body ?? {}) as { code?: unknown; description?: unknown };
  const code = typeof detail.code === 'string' ? detail.code : null;
  const description =
    typeof detail.description === 'string' ? detail.description : `HTTP ${status}`;
  if (status === 0) {
    return new GatewayError(`Razorpay ${what} failed: ${description}`, null, code, true);
  }
  const retryable =
    status >= 500 || status === 429 || (status === 409 && what === 'refund payment');
  return new GatewayError(
    `Razorpay ${what} failed (${status} ${code ?? ''}): ${description}`,
    status,
    code,
    retryable,
  );
}

/**
 * The linked account named by Razorpay's refusal of a second account for an email
 * (`Merchant email already exists for account - BbHKlnuyZkf0xa.`: the id without its `acc_`).
 */
export function existingAccountIdOf(err: unknown): string | null {
  const e = (err ?? {}) as { error?: unknown; response?: { data?: unknown } };
  const body = (e.error ?? (e.response?.data as { error?: unknown } | undefined)?.error) as
    { description?: unknown } | undefined;
  const description = typeof body?.description === 'string' ? body.description : '';
  const m = /email already exists for account\s*-\s*(?:acc_)?([A-Za-z0-9]{14})\b/i.exec(
    description,
  );
  return m ? `acc_${m[1]}` : null;
}

// ---- response parsing --------------------------------------------------------------------------

function malformed(detail: string): GatewayError {
  return new GatewayError(
    `Razorpay answered an unexpected shape: ${detail}`,
    null,
    'MALFORMED_RESPONSE',
    false,
  );
}

function obj(v: unknown): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw malformed('not an object');
  return v as Json;
}

function items(v: unknown): unknown[] {
  const list = obj(v).items;
  if (!Array.isArray(list)) throw malformed('no items');
  return list;
}

function str(o: Json, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw malformed(`${k} is not a string`);
  return v;
}

function optStr(o: Json, k: string): string | null {
  const v = o[k];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw malformed(`${k} is not a string`);
  return v;
}

function int(o: Json, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw malformed(`${k} is not an integer`);
  return v;
}

function optInt(o: Json, k: string): number | null {
  const v = o[k];
  if (v === null || v === undefined) return null;
  return int(o, k);
}

/** Razorpay answers `notes: []` when there are none. */
function notesOf(o: Json): Record<string, string> {
  const v = o.notes;
  if (v === null || v === undefined || Array.isArray(v)) return {};
  if (typeof v !== 'object') throw malformed('notes is not an object');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Json))
    if (val !== null && val !== undefined) out[k] = String(val);
  return out;
}

function inr(o: Json): 'INR' {
  const c = o.currency;
  if (c !== 'INR') throw malformed(`currency ${String(c)} is not INR`);
  return 'INR';
}

const ORDER_STATUSES: readonly GatewayOrderStatus[] = ['created', 'attempted', 'paid'];
const PAYMENT_STATUSES: readonly GatewayPaymentStatus[] = [
  'created',
  'authorized',
  'captured',
  'refunded',
  'failed',
];

function toOrder(v: unknown): GatewayOrder {
  const o = obj(v);
  const status = str(o, 'status');
  if (!ORDER_STATUSES.includes(status as GatewayOrderStatus))
    throw malformed(`order status ${status}`);
  return {
    id: str(o, 'id'),
    amountPaise: int(o, 'amount'),
    amountPaidPaise: optInt(o, 'amount_paid') ?? 0,
    currency: inr(o),
    receipt: optStr(o, 'receipt') ?? '',
    status: status as GatewayOrderStatus,
    notes: notesOf(o),
  };
}

/** A Razorpay payment entity as the port's GatewayPayment. */
function toPayment(v: unknown): GatewayPayment {
  const o = obj(v);
  const raw = str(o, 'status');
  // `pending` (e.g. cash on delivery) has not authorised anything yet.
  const status = raw === 'pending' ? 'created' : raw;
  if (!PAYMENT_STATUSES.includes(status as GatewayPaymentStatus))
    throw malformed(`payment status ${raw}`);
  return {
    id: str(o, 'id'),
    orderId: optStr(o, 'order_id'),
    amountPaise: int(o, 'amount'),
    currency: inr(o),
    status: status as GatewayPaymentStatus,
    method: optStr(o, 'method'),
    feePaise: optInt(o, 'fee'),
    feeTaxPaise: optInt(o, 'tax'),
    amountRefundedPaise: optInt(o, 'amount_refunded') ?? 0,
    errorCode: optStr(o, 'error_code'),
    errorDescription: optStr(o, 'error_description'),
    createdAt: int(o, 'created_at'),
  };
}

function toTransfer(v: unknown): GatewayTransfer {
  const o = obj(v);
  const source = optStr(o, 'source');
  return {
    id: str(o, 'id'),
    sourcePaymentId: source?.startsWith('pay_') ? source : null,
    recipientAccountId: str(o, 'recipient'),
    amountPaise: int(o, 'amount'),
    amountReversedPaise: optInt(o, 'amount_reversed') ?? 0,
    onHold: o.on_hold === true || o.on_hold === 1,
    status: str(o, 'status'),
    settlementStatus: optStr(o, 'settlement_status'),
    recipientSettlementId: optStr(o, 'recipient_settlement_id'),
    notes: notesOf(o),
    createdAt: int(o, 'created_at'),
  };
}

/** A Razorpay refund entity as the port's GatewayRefund. */
function toRefund(v: unknown): GatewayRefund {
  const o = obj(v);
  const status = str(o, 'status');
  if (status !== 'pending' && status !== 'processed' && status !== 'failed')
    throw malformed(`refund status ${status}`);
  return {
    id: str(o, 'id'),
    paymentId: str(o, 'payment_id'),
    amountPaise: int(o, 'amount'),
    status,
    notes: notesOf(o),
    createdAt: int(o, 'created_at'),
  };
}

function toSettlement(v: unknown): GatewaySettlement {
  const o = obj(v);
  return {
    id: str(o, 'id'),
    amountPaise: int(o, 'amount'),
    feesPaise: optInt(o, 'fees') ?? 0,
    taxPaise: optInt(o, 'tax') ?? 0,
    status: str(o, 'status'),
    utr: optStr(o, 'utr'),
    createdAt: int(o, 'created_at'),
  };
}

function toLinkedAccount(v: unknown): GatewayLinkedAccount {
  const o = obj(v);
  return { id: str(o, 'id'), status: str(o, 'status'), referenceId: optStr(o, 'reference_id') };
}

function toStakeholder(v: unknown): GatewayStakeholder {
  const o = obj(v);
  return { id: str(o, 'id'), email: optStr(o, 'email') };
}

function toRouteProduct(v: unknown): GatewayRouteProduct {
  const o = obj(v);
  return {
    id: str(o, 'id'),
    accountId: str(o, 'account_id'),
    activationStatus: str(o, 'activation_status'),
    requirements: (Array.isArray(o.requirements) ? o.requirements : []).map((r) => {
      const x = obj(r);
      return [optStr(x, 'field_reference'), optStr(x, 'reason_code')]
        .filter((p) => p !== null)
        .join(': ');
    }),
  };
}

const PAYMENT_LINK_STATUSES: readonly GatewayPaymentLinkStatus[] = [
  'created',
  'partially_paid',
  'paid',
  'cancelled',
  'expired',
];

/** Razorpay answers 0 (or nothing) for a timestamp not set. */
function optTime(o: Json, k: string): number | null {
  const v = o[k];
  if (v === null || v === undefined || v === 0 || v === '0') return null;
  // Some payloads (the QR code's close_by) carry the number as a string.
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return int(o, k);
}

function toPaymentLink(v: unknown): GatewayPaymentLink {
  const o = obj(v);
  const status = str(o, 'status');
  if (!PAYMENT_LINK_STATUSES.includes(status as GatewayPaymentLinkStatus))
    throw malformed(`payment link status ${status}`);
  inr(o);
  return {
    id: str(o, 'id'),
    referenceId: optStr(o, 'reference_id') || null,
    amountPaise: int(o, 'amount'),
    amountPaidPaise: optInt(o, 'amount_paid') ?? 0,
    status: status as GatewayPaymentLinkStatus,
    shortUrl: str(o, 'short_url'),
    orderId: optStr(o, 'order_id') || null,
    payments: (Array.isArray(o.payments) ? o.payments : []).map((p) => {
      const x = obj(p);
      return { id: str(x, 'payment_id'), amountPaise: int(x, 'amount'), status: str(x, 'status') };
    }),
    expireBy: optTime(o, 'expire_by'),
    notes: notesOf(o),
    createdAt: int(o, 'created_at'),
  };
}

function toQrCode(v: unknown): GatewayQrCode {
  const o = obj(v);
  const status = str(o, 'status');
  if (status !== 'active' && status !== 'closed') throw malformed(`qr code status ${status}`);
  return {
    id: str(o, 'id'),
    amountPaise: int(o, 'payment_amount'),
    status,
    closeReason: optStr(o, 'close_reason'),
    imageUrl: str(o, 'image_url'),
    paymentsAmountReceivedPaise: optInt(o, 'payments_amount_received') ?? 0,
    paymentsCountReceived: optInt(o, 'payments_count_received') ?? 0,
    closeBy: optTime(o, 'close_by'),
    closedAt: optTime(o, 'closed_at'),
    notes: notesOf(o),
    createdAt: int(o, 'created_at'),
  };
}
