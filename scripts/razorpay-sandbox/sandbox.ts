/**
 * A local, in-memory stand-in for the slice of Razorpay's API that FixBazaar uses (Orders, Payments,
 * Route transfers with holds and reversals, Refunds with X-Refund-Idempotency, v2 linked accounts
 * with their stakeholders and Route product configuration (settlement bank account, activation),
 * Settlements), speaking the documented wire format: Basic auth with the key id/secret, amounts in
 * paise, `{ error: { code, description, source, step, reason, metadata, field } }` errors (400
 * BAD_REQUEST_ERROR for validation and unknown ids, 401 for bad credentials), Razorpay-style ids and
 * the PHP-ism `notes: []` when empty. It enforces Route's rules (no transfer to, nor release of a
 * held transfer to, an account whose Route product is not activated), validates linked accounts'
 * business profile, stakeholders and settlement accounts, and refuses a second linked account for an email, lists payments, refunds, transfers (with
 * `expand[]=recipient_settlement`) and the merchant's settlements (`from`/`to`/`count`/`skip`, newest
 * first) and a transfer's reversals, Payment Links (`/v1/payment_links`, reference_id unique) and
 * UPI QR codes (`/v1/payments/qr_codes`) with their expiry, and emits signed webhooks with the
 * documented envelope. Control endpoints under `/__sandbox/` (not Razorpay's) play the buyer
 * (Checkout, a link, a QR code) and Razorpay's back office (activation, expiry), and inject faults
 * into API calls and webhook deliveries.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { checkoutSignature, paymentLinkSignature } from './signing.js';
import {
  DEFAULT_WEBHOOK_FAULTS,
  WebhookDispatcher,
  type WebhookFaults,
  type WebhookRecord,
} from './webhooks.js';

/** Faults applied to Razorpay API calls (never to `/__sandbox/` control calls). */
export interface ApiFaults {
  /** Every API response waits this long first. */
  delayMs: number;
  /** Probability in [0, 1] that a call answers 503 SERVER_ERROR without doing anything. */
  fail5xxRate: number;
  /** The next n calls answer 503 SERVER_ERROR without doing anything. */
  failNext: number;
  /** The next n calls DO their work, then answer 502 (the ambiguous case: retry must be idempotent). */
  failAfterNext: number;
  /** The next n calls get their connection dropped without any response (a network error). */
  dropNext: number;
}

export interface SandboxFaults {
  api: ApiFaults;
  webhooks: WebhookFaults;
  /** Seed of the PRNG behind the rates; setting it restarts the sequence. */
  seed?: number;
}

export const DEFAULT_API_FAULTS: ApiFaults = {
  delayMs: 0,
  fail5xxRate: 0,
  failNext: 0,
  failAfterNext: 0,
  dropNext: 0,
};

export interface SandboxOptions {
  /** 0 or omitted: an ephemeral port. */
  port?: number;
  host?: string;
  keyId: string;
  keySecret: string;
  /** Where webhooks are POSTed; without it they are only logged. Changeable via control.setWebhookUrl. */
  webhookUrl?: string | null;
  webhookSecret: string;
  /** Milliseconds since the epoch; defaults to Date.now. */
  clock?: () => number;
  /** The platform's own Razorpay account id (the webhook envelope's account_id). */
  merchantAccountId?: string;
  /**
   * A linked account's Route product is activated as soon as its onboarding is complete (a
   * stakeholder, the settlement bank account and the terms accepted: Razorpay's review done at once;
   * the product configuration answers `activated` and the activation webhooks follow, as with
   * control.activateAccount), for demos. Default false: the product stays `under_review` until
   * control.activateAccount.
   */
  activateAccounts?: boolean;
}

type Json = Record<string, unknown>;
type Notes = Record<string, string> | [];

export interface Order {
  id: string;
  entity: 'order';
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  offer_id: null;
  status: 'created' | 'attempted' | 'paid';
  attempts: number;
  notes: Notes;
  created_at: number;
}

export interface Payment {
  id: string;
  entity: 'payment';
  amount: number;
  currency: string;
  status: 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';
  /** Null for a QR code's payment (no order behind it). */
  order_id: string | null;
  invoice_id: null;
  international: false;
  method: string;
  amount_refunded: number;
  refund_status: null | 'partial' | 'full';
  captured: boolean;
  description: string | null;
  card_id: null;
  bank: string | null;
  wallet: string | null;
  vpa: string | null;
  email: string;
  contact: string;
  notes: Notes;
  fee: number | null;
  tax: number | null;
  error_code: string | null;
  error_description: string | null;
  error_source: string | null;
  error_step: string | null;
  error_reason: string | null;
  acquirer_data: Json;
  created_at: number;
}

export interface Transfer {
  id: string;
  entity: 'transfer';
  status: 'pending' | 'processed' | 'failed' | 'reversed' | 'partially_reversed';
  source: string;
  recipient: string;
  amount: number;
  currency: string;
  amount_reversed: number;
  fees: number;
  tax: number;
  notes: Notes;
  linked_account_notes: string[];
  on_hold: boolean;
  on_hold_until: number | null;
  settlement_status: 'pending' | 'on_hold' | 'settled' | null;
  recipient_settlement_id: string | null;
  created_at: number;
  processed_at: number | null;
  error: Json;
}

export interface Reversal {
  id: string;
  entity: 'reversal';
  transfer_id: string;
  amount: number;
  fee: number;
  tax: number;
  currency: string;
  notes: Notes;
  initiator_id: string;
  customer_refund_id: string | null;
  utr: null;
  created_at: number;
}

export interface Refund {
  id: string;
  entity: 'refund';
  amount: number;
  currency: string;
  payment_id: string;
  notes: Notes;
  receipt: string | null;
  acquirer_data: { arn: string | null };
  created_at: number;
  batch_id: null;
  status: 'pending' | 'processed' | 'failed';
  speed_processed: 'normal' | 'instant';
  speed_requested: 'normal' | 'optimum';
}

export interface LinkedAccount {
  id: string;
  type: 'route';
  reference_id: string | null;
  status: 'created' | 'activated' | 'suspended';
  email: string;
  phone: string | null;
  legal_business_name: string;
  customer_facing_business_name: string;
  business_type: string;
  contact_name: string;
  profile: Json | null;
  legal_info: Json | null;
  notes: Notes;
  created_at: number;
  activated_at: number | null;
}

export interface Stakeholder {
  id: string;
  entity: 'stakeholder';
  account_id: string;
  name: string;
  email: string;
  phone: { primary: string } | null;
  kyc: { pan: string } | null;
  notes: Notes;
  created_at: number;
}

export interface RouteProduct {
  id: string;
  account_id: string;
  product_name: 'route';
  /** Razorpay's: requested, needs_clarification, under_review, activated. */
  activation_status: 'requested' | 'needs_clarification' | 'under_review' | 'activated';
  requested_configuration: { settlements: SettlementsConfig | null };
  active_configuration: { settlements: SettlementsConfig | null };
  requirements: {
    field_reference: string;
    resolution_url: string;
    status: 'required';
    reason_code: 'field_missing';
  }[];
  tnc: { id: string; accepted: boolean; accepted_at: number } | null;
  requested_at: number;
}

interface SettlementsConfig {
  account_number: string;
  ifsc_code: string;
  beneficiary_name: string;
}

export interface Settlement {
  id: string;
  entity: 'settlement';
  amount: number;
  status: 'created' | 'processed' | 'failed';
  fees: number;
  tax: number;
  utr: string;
  created_at: number;
}

export type PaymentLinkStatus = 'created' | 'partially_paid' | 'paid' | 'cancelled' | 'expired';

/** A Standard Payment Link (`POST /v1/payment_links`), as Razorpay answers it. */
export interface PaymentLink {
  id: string;
  accept_partial: boolean;
  amount: number;
  amount_paid: number;
  callback_method: string;
  callback_url: string;
  cancelled_at: number;
  created_at: number;
  currency: string;
  customer: { name?: string; email?: string; contact?: string };
  description: string;
  /** 0 when never set (Razorpay's default is six months after creation). */
  expire_by: number;
  expired_at: number;
  first_min_partial_amount: number;
  notes: Notes;
  notify: { sms: boolean; email: boolean };
  /** The order Razorpay creates at the first payment; null before. */
  order_id: string | null;
  payments:
    | {
        amount: number;
        created_at: number;
        method: string;
        payment_id: string;
        plink_id: string;
        status: string;
        updated_at: number;
      }[]
    | null;
  reference_id: string;
  reminder_enable: boolean;
  reminders: Json;
  short_url: string;
  status: PaymentLinkStatus;
  updated_at: number;
  upi_link: boolean;
  user_id: string;
}

/** A UPI QR code (`POST /v1/payments/qr_codes`), as Razorpay answers it. */
export interface QrCode {
  id: string;
  entity: 'qr_code';
  created_at: number;
  name: string | null;
  usage: 'single_use' | 'multiple_use';
  type: 'upi_qr';
  image_url: string;
  payment_amount: number | null;
  status: 'active' | 'closed';
  description: string | null;
  fixed_amount: boolean;
  payments_amount_received: number;
  payments_count_received: number;
  notes: Notes;
  customer_id: string | null;
  close_by: number | null;
  closed_at: number | null;
  /** Razorpay's: `on_demand` (closed by the API) or `paid` (a single-use code paid); null otherwise. */
  close_reason: 'on_demand' | 'paid' | null;
}

/**
 * What the customer's browser is redirected to `callback_url` with after paying a link (query
 * parameters), `razorpay_signature` being the HMAC-SHA256 of
 * `plink_id|reference_id|status|payment_id` with the key secret.
 */
export interface PaymentLinkCallback {
  razorpay_payment_id: string;
  razorpay_payment_link_id: string;
  razorpay_payment_link_reference_id: string;
  razorpay_payment_link_status: PaymentLinkStatus;
  razorpay_signature: string;
}

/** Checkout's answer to the browser after a payment attempt. */
export type CheckoutResult =
  | {
      razorpay_order_id: string;
      razorpay_payment_id: string;
      razorpay_signature: string;
    }
  | {
      error: {
        code: string;
        description: string;
        source: string;
        step: string;
        reason: string;
        metadata: { order_id: string; payment_id: string };
      };
    };

/** An error the sandbox answers with, in Razorpay's shape. */
export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly field: string | null = null,
    readonly reason = 'input_validation_failed',
  ) {
    super(description);
  }

  body(): Json {
    return {
      error: {
        code: this.code,
        description: this.message,
        source: this.status >= 500 ? 'NA' : 'business',
        step: this.status >= 500 ? 'NA' : 'payment_initiation',
        reason: this.status >= 500 ? 'NA' : this.reason,
        metadata: {},
        ...(this.field ? { field: this.field } : {}),
      },
    };
  }
}

const bad = (description: string, field: string | null = null) =>
  new SandboxApiError(400, 'BAD_REQUEST_ERROR', description, field);
const notFound = () => bad('The id provided does not exist', 'id');

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function newId(prefix: string): string {
  const bytes = randomBytes(14);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return `${prefix}_${out}`;
}

/** mulberry32: a small seeded PRNG so fault rates are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Razorpay fee on a captured amount: 2% (rounded to the paisa) plus 18% GST on that fee. */
export function sandboxFee(amountPaise: number): { fee: number; tax: number } {
  const base = Math.round((amountPaise * 2) / 100);
  const tax = Math.round((base * 18) / 100);
  return { fee: base + tax, tax };
}

// ---- request parsing helpers ------------------------------------------------------------------

function asObject(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function paise(
  body: Json,
  field: string,
  opts: { required: boolean; min?: number },
): number | null {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw bad(`The ${field} field is required.`, field);
    return null;
  }
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw bad(`The ${field} must be an integer.`, field);
  const min = opts.min ?? 1;
  if (n < min) throw bad(`The ${field} must be at least ${min}.`, field);
  return n;
}

function optString(body: Json, field: string, max: number): string | null {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(`The ${field} must be a string.`, field);
  if (v.length > max) throw bad(`The ${field} may not be greater than ${max} characters.`, field);
  return v;
}

function reqString(body: Json, field: string, min: number, max: number): string {
  const v = optString(body, field, max);
  if (v === null || v.trim() === '') throw bad(`The ${field} field is required.`, field);
  if (v.length < min) throw bad(`The ${field} must be at least ${min} characters.`, field);
  return v;
}

function currency(body: Json): string {
  const v = body.currency ?? 'INR';
  if (v !== 'INR') throw bad('Currency is not supported', 'currency');
  return v;
}

function notes(body: Json, field = 'notes'): Notes {
  const v = body[field];
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return [];
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`The ${field} must be an array.`, field);
  const entries = Object.entries(v as Json);
  if (entries.length > 15)
    throw bad('Number of fields in notes should be less than or equal to 15', field);
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (typeof val !== 'string' && typeof val !== 'number')
      throw bad(`The ${field}.${k} must be a string.`, field);
    const s = String(val);
    if (s.length > 256)
      throw bad('Notes value should be less than or equal to 256 characters', field);
    out[k] = s;
  }
  return entries.length === 0 ? [] : out;
}

function bool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  throw bad(`The ${field} field must be true or false.`, field);
}

/** A payment link's `customer` (all optional): Razorpay checks the email and contact formats. */
function linkCustomer(raw: unknown): PaymentLink['customer'] {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw bad('The customer must be an object.', 'customer');
  const c = raw as Json;
  const out: PaymentLink['customer'] = {};
  const name = optString(c, 'name', 255);
  if (name !== null) out.name = name;
  const email = optString(c, 'email', 255);
  if (email !== null) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      throw bad('The email must be a valid email address.', 'email');
    out.email = email;
  }
  const contact = optString(c, 'contact', 20);
  if (contact !== null) {
    if (!/^\+?\d{8,15}$/.test(contact)) throw bad('The contact format is invalid.', 'contact');
    out.contact = contact;
  }
  return out;
}

// ---- lists -----------------------------------------------------------------------------------

/** Razorpay's list query: `from`/`to` (unix seconds, inclusive, on created_at), `count`, `skip`. */
interface ListQuery {
  from: number | null;
  to: number | null;
  count: number;
  skip: number;
}

function queryInt(q: URLSearchParams, field: string, min: number, max?: number): number | null {
  const raw = q.get(field);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw)) throw bad(`The ${field} must be an integer.`, field);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw bad(`The ${field} must be an integer.`, field);
  if (n < min) throw bad(`The ${field} must be at least ${min}.`, field);
  if (max !== undefined && n > max)
    throw bad(`The ${field} may not be greater than ${max}.`, field);
  return n;
}

/** `count` defaults to 10 and is at most 100; `skip` defaults to 0. */
function listQuery(q: URLSearchParams): ListQuery {
  return {
    from: queryInt(q, 'from', 0),
    to: queryInt(q, 'to', 0),
    count: queryInt(q, 'count', 1, 100) ?? 10,
    skip: queryInt(q, 'skip', 0) ?? 0,
  };
}

/** One page of entities in the range, newest first (the later created first within a second). */
function listed<T extends { created_at: number }>(all: T[], q: ListQuery): T[] {
  return all
    .map((e, i) => ({ e, i }))
    .filter(
      ({ e }) =>
        (q.from === null || e.created_at >= q.from) && (q.to === null || e.created_at <= q.to),
    )
    .sort((a, b) => b.e.created_at - a.e.created_at || b.i - a.i)
    .slice(q.skip, q.skip + q.count)
    .map(({ e }) => e);
}

// ---- linked accounts' business profile ----------------------------------------------------------

/** The Indian states Razorpay's linked-account API lists (by name; the name is what it takes). */
const RAZORPAY_STATES = new Set([
  'ANDAMAN & NICOBAR ISLANDS',
  'ANDAMAN AND NICOBAR ISLANDS',
  'ANDHRA PRADESH',
  'ARUNACHAL PRADESH',
  'ASSAM',
  'BIHAR',
  'CHANDIGARH',
  'CHHATTISGARH',
  'DADRA & NAGAR HAVELI',
  'DADRA AND NAGAR HAVELI',
  'DAMAN & DIU',
  'DAMAN AND DIU',
  'DELHI',
  'GOA',
  'GUJARAT',
  'HARYANA',
  'HIMACHAL PRADESH',
  'JAMMU & KASHMIR',
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

const BUSINESS_TYPES = new Set([
  'proprietorship',
  'individual',
  'partnership',
  'private_limited',
  'public_limited',
  'llp',
  'ngo',
  'educational_institutes',
  'trust',
  'society',
  'huf',
  'not_yet_registered',
  'other',
]);

/** A slice of Razorpay's business categories with their sub-categories (the sandbox knows these). */
const BUSINESS_CATEGORIES: Record<string, readonly string[]> = {
  ecommerce: [
    'ecommerce_marketplace',
    'electronics_and_furniture',
    'electrical_parts_and_equipment',
    'telecommunication_equipment_stores',
    'computers_peripheral_equipment_software',
    'automobile_parts_and_equipements',
    'automotive_parts',
    'household_appliance_stores',
    'hardware_equipment_and_supply_stores',
    'industrial_supplies',
    'wholesale',
    'fashion_and_lifestyle',
    'books',
    'grocery',
  ],
  healthcare: ['clinic', 'hospital', 'pharmacy', 'lab'],
  services: ['repair_and_cleaning'],
  others: ['others'],
};

/** Razorpay's PAN rule for `legal_info.pan`: a business PAN (4th character C, H, F, A, T, B, J, G, L). */
const BUSINESS_PAN = /^[A-Za-z]{3}[CHFATBJGLchfatbjgl][A-Za-z]\d{4}[A-Za-z]$/;
const GSTIN = /^[0123][0-9][a-z]{5}[0-9]{4}[a-z][0-9][a-z0-9][a-z0-9]$/i;

function reqField(o: Json, field: string, max: number): string {
  const v = o[field];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === ''))
    throw bad(`The ${field} field is required.`, field);
  if (typeof v !== 'string') throw bad(`The ${field} must be a string.`, field);
  if (v.length > max) throw bad(`The ${field} may not be greater than ${max} characters.`, field);
  return v;
}

/** Validates `profile` (category, sub-category, registered address) as Razorpay documents it. */
function validateProfile(raw: unknown): Json {
  if (raw === undefined || raw === null) throw bad('The profile field is required.', 'profile');
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw bad('The profile must be an object.', 'profile');
  const profile = raw as Json;
  const category = reqField(profile, 'category', 255);
  const subcategory = reqField(profile, 'subcategory', 255);
  const known = BUSINESS_CATEGORIES[category];
  if (known === undefined) throw bad(`Invalid business category: ${category}`, 'category');
  if (!known.includes(subcategory))
    throw bad('Invalid business subcategory for business category', 'subcategory');
  const registered = asObject(asObject(profile.addresses).registered);
  if (Object.keys(registered).length === 0)
    throw bad('The registered field is required.', 'registered');
  reqField(registered, 'street1', 100);
  reqField(registered, 'street2', 100);
  const city = reqField(registered, 'city', 100);
  if (!/^[A-Za-z0-9 ]+$/.test(city))
    throw bad('The business registered city may only contain alphabets, digits and spaces', 'city');
  const state = reqField(registered, 'state', 32);
  if (state.length < 2 || !RAZORPAY_STATES.has(state.trim().toUpperCase()))
    throw bad('State name entered is incorrect. Please provide correct state name', 'state');
  const postal = registered.postal_code;
  if (postal === undefined || postal === null || postal === '')
    throw bad('The postal code field is required.', 'postal_code');
  const postalText = typeof postal === 'number' ? String(postal) : postal;
  if (typeof postalText !== 'string' || !/^\d+$/.test(postalText))
    throw bad('The postal code must be an integer', 'postal_code');
  if (postalText.length !== 6) throw bad('The postal code must be 6 digits.', 'postal_code');
  const country = reqField(registered, 'country', 64);
  if (country !== 'IN' && country !== 'india')
    throw bad('The business registered country is invalid: use IN or india', 'country');
  return profile;
}

/** Validates `legal_info` (optional): a business PAN and a GSTIN in Razorpay's formats. */
function validateLegalInfo(raw: unknown): Json | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw bad('The legal info must be an object.', 'legal_info');
  const info = raw as Json;
  if (info.pan !== undefined && (typeof info.pan !== 'string' || !BUSINESS_PAN.test(info.pan)))
    throw bad('The pan field is invalid', 'pan');
  if (info.gst !== undefined && (typeof info.gst !== 'string' || !GSTIN.test(info.gst)))
    throw bad('The gst field is invalid', 'gst');
  return info;
}

/** A person's PAN (4th character P), as a stakeholder's `kyc.pan` takes it. */
const PERSONAL_PAN = /^[A-Za-z]{3}[Pp][A-Za-z]\d{4}[A-Za-z]$/;
const IFSC = /^[A-Z]{4}0[A-Z0-9]{6}$/;

/** Validates a product configuration's `settlements` as Razorpay does. */
function validateSettlements(raw: unknown): SettlementsConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad('The settlements must be an object.', 'settlements');
  const o = raw as Json;
  const accountNumber = o.account_number;
  if (accountNumber === undefined || accountNumber === null || accountNumber === '')
    throw bad('The account number field is required.', 'account_number');
  const digits = String(accountNumber);
  if (!/^\d{9,18}$/.test(digits))
    throw bad('The account number must be between 9 and 18 digits.', 'account_number');
  const ifsc = reqField(o, 'ifsc_code', 11);
  if (!IFSC.test(ifsc)) throw bad('The ifsc code is invalid.', 'ifsc_code');
  const beneficiary = reqField(o, 'beneficiary_name', 120);
  if (beneficiary.trim().length < 4)
    throw bad('The beneficiary name must be at least 4 characters.', 'beneficiary_name');
  return { account_number: digits, ifsc_code: ifsc, beneficiary_name: beneficiary };
}

/** `tnc_accepted`: optional, and when given only `true` (Razorpay's "possible value is only true"). */
function tncAccepted(body: Json): boolean {
  if (body.tnc_accepted === undefined || body.tnc_accepted === null) return false;
  if (body.tnc_accepted !== true) throw bad('The tnc accepted must be true.', 'tnc_accepted');
  return true;
}

// ---- the sandbox ------------------------------------------------------------------------------

export interface RazorpaySandboxControl {
  /** Plays the buyer completing Checkout for an order. */
  pay(
    orderId: string,
    input?: { outcome?: 'captured' | 'authorized' | 'failed'; method?: string },
  ): CheckoutResult & { payment: Payment };
  /**
   * Plays the customer paying a Payment Link (UPI unless `method` says otherwise): `amount` defaults
   * to what is due; less only when the link accepts partial payments. Razorpay creates the link's
   * order at the first payment; the payment is authorized then captured (payment.authorized,
   * payment.captured, order.paid once nothing is due) and payment_link.paid (or
   * payment_link.partially_paid) follows with the link, its order and the payment. Returns what the
   * customer is redirected to callback_url with, the payment and the link.
   */
  payPaymentLink(
    linkId: string,
    input?: { amount?: number; method?: string },
  ): { callback: PaymentLinkCallback; payment: Payment; payment_link: PaymentLink };
  /** Plays the customer paying a QR code by UPI (`amount` required unless the amount is fixed). */
  payQrCode(qrId: string, input?: { amount?: number }): { payment: Payment; qr_code: QrCode };
  /** As if the link's expire_by had passed: it expires now (payment_link.expired). */
  expirePaymentLink(linkId: string): PaymentLink;
  /** As if the QR code's close_by had passed: it closes now, with no webhook (as Razorpay). */
  expireQrCode(qrId: string): QrCode;
  /**
   * Razorpay's back office activating a linked account's Route product (and so the account): refused
   * while the onboarding is incomplete (no stakeholder, settlement account or accepted terms).
   */
  activateAccount(accountId: string): LinkedAccount;
  /** Razorpay's review asking for more about a configured product (`needs_clarification`). */
  requestClarification(accountId: string, field: string): RouteProduct;
  /** Razorpay suspending a linked account: no transfer to it, nor release of one held for it. */
  suspendAccount(accountId: string): LinkedAccount;
  /** Every linked account created so far, oldest first (Razorpay's dashboard view). */
  accounts(): LinkedAccount[];
  /** A linked account's stakeholders and Route product configuration. */
  stakeholders(accountId: string): Stakeholder[];
  routeProduct(accountId: string): RouteProduct | null;
  /** Moves a pending refund (created while refund mode is 'manual') to processed or failed. */
  processRefund(refundId: string, outcome: 'processed' | 'failed'): Refund;
  /** 'instant' (default): refunds are processed at once; 'manual': they stay pending. */
  setRefundMode(mode: 'instant' | 'manual'): void;
  /** Settles what is due: the merchant's captured payments net of fees, refunds and transfers, and
   * each linked account's processed, unheld, unsettled transfers. Emits settlement.processed. */
  settle(): { merchant: Settlement | null; linkedAccounts: Settlement[] };
  setFaults(faults: {
    api?: Partial<ApiFaults>;
    webhooks?: Partial<WebhookFaults>;
    seed?: number;
  }): SandboxFaults;
  resetFaults(): SandboxFaults;
  faults(): SandboxFaults;
  setWebhookUrl(url: string | null): void;
  /** Every event emitted so far, oldest first. */
  webhooks(): WebhookRecord[];
  /** Sends any reorder-buffered webhooks and waits until no delivery is in flight. */
  flushWebhooks(): Promise<void>;
}

export interface RazorpaySandbox {
  url: string;
  port: number;
  control: RazorpaySandboxControl;
  stop(): Promise<void>;
}

class SandboxState {
  readonly orders = new Map<string, Order>();
  readonly payments = new Map<string, Payment>();
  readonly transfers = new Map<string, Transfer>();
  readonly reversals = new Map<string, Reversal>();
  readonly refunds = new Map<string, Refund>();
  readonly refundKeys = new Map<
    string,
    { paymentId: string; bodyHash: string; refundId: string }
  >();
  readonly accounts = new Map<string, LinkedAccount>();
  readonly stakeholders = new Map<string, Stakeholder>();
  /** Route product configurations, by product id (one per account). */
  readonly products = new Map<string, RouteProduct>();
  readonly settlements = new Map<string, Settlement>();
  /** Whose balance each settlement paid out: the merchant's account id or a linked account's. */
  readonly settlementAccounts = new Map<string, string>();
  /** The merchant balance's unsettled movements. */
  readonly merchantLedger: { amount: number; fee: number; tax: number }[] = [];
  refundMode: 'instant' | 'manual' = 'instant';
  readonly paymentLinks = new Map<string, PaymentLink>();
  readonly qrCodes = new Map<string, QrCode>();
  /** Each QR code's payments, oldest first. */
  readonly qrCodePayments = new Map<string, string[]>();
}

export async function startRazorpaySandbox(options: SandboxOptions): Promise<RazorpaySandbox> {
  const clock = options.clock ?? Date.now;
  const now = () => Math.floor(clock() / 1000);
  const merchantAccountId = options.merchantAccountId ?? 'acc_FixBazaarSandbx';
  const state = new SandboxState();
  let webhookUrl = options.webhookUrl ?? null;
  let faults: SandboxFaults = {
    api: { ...DEFAULT_API_FAULTS },
    webhooks: {
      ...DEFAULT_WEBHOOK_FAULTS,
      retryDelaysMs: [...DEFAULT_WEBHOOK_FAULTS.retryDelaysMs],
    },
    seed: 1,
  };
  let random = prng(1);

  const dispatcher = new WebhookDispatcher({
    url: () => webhookUrl,
    secret: options.webhookSecret,
    faults: () => faults.webhooks,
    random: () => random(),
    now: clock,
  });

  const emit = (event: string, payload: Record<string, Json>, accountId = merchantAccountId) =>
    dispatcher.emit(newId('evt'), event, {
      entity: 'event',
      account_id: accountId,
      event,
      contains: Object.keys(payload),
      payload: Object.fromEntries(
        Object.entries(payload).map(([k, entity]) => [k, { entity: structuredClone(entity) }]),
      ),
      created_at: now(),
    });

  // ---- entity helpers ----

  const order = (id: string) => state.orders.get(id) ?? raise(notFound());
  const payment = (id: string) => state.payments.get(id) ?? raise(notFound());
  const transfer = (id: string) => state.transfers.get(id) ?? raise(notFound());
  const transfersOf = (paymentId: string) =>
    [...state.transfers.values()].filter((t) => t.source === paymentId);
  const refundsOf = (paymentId: string) =>
    [...state.refunds.values()].filter((r) => r.payment_id === paymentId);
  const collection = <T>(items: T[]) => ({ entity: 'collection', count: items.length, items });
  const account = (id: string) =>
    state.accounts.get(id) ??
    raise(
      new SandboxApiError(
        400,
        'BAD_REQUEST_ERROR',
        'Linked account does not exist',
        'account_id',
        'linked_account_id_does_not_exist',
      ),
    );
  const stakeholdersOf = (accountId: string) =>
    [...state.stakeholders.values()].filter((x) => x.account_id === accountId);
  const productOf = (accountId: string) =>
    [...state.products.values()].find((x) => x.account_id === accountId) ?? null;
  /** Whether transfers may go to (or be released to) the account: its Route product is activated. */
  const routeActivated = (accountId: string) =>
    state.accounts.get(accountId)?.status === 'activated' &&
    productOf(accountId)?.activation_status === 'activated';
  const notActivated = (accountId: string) =>
    new SandboxApiError(
      400,
      'BAD_REQUEST_ERROR',
      `Transfers can be made only to an activated linked account: ${accountId} has not completed its Route onboarding (stakeholder, settlement account, product activated)`,
      'account',
      'linked_account_not_activated',
    );
  /** What the product still needs, as Razorpay lists it. */
  const requirementsOf = (p: RouteProduct): RouteProduct['requirements'] => {
    const missing: string[] = [];
    if (stakeholdersOf(p.account_id).length === 0) missing.push('stakeholder');
    if (p.requested_configuration.settlements === null)
      missing.push(
        'settlements.account_number',
        'settlements.ifsc_code',
        'settlements.beneficiary_name',
      );
    if (!p.tnc?.accepted) missing.push('tnc_accepted');
    return missing.map((field) => ({
      field_reference: field,
      resolution_url: `/accounts/${p.account_id}/products/${p.id}`,
      status: 'required',
      reason_code: 'field_missing',
    }));
  };
  /** Recomputes the product's requirements and status after a change (activation when auto). */
  const review = (p: RouteProduct): RouteProduct => {
    if (p.activation_status === 'activated') return p;
    p.requirements = requirementsOf(p);
    if (p.requirements.length > 0)
      p.activation_status = p.requested_configuration.settlements
        ? 'needs_clarification'
        : 'requested';
    else {
      p.activation_status = 'under_review';
      if (options.activateAccounts) control.activateAccount(p.account_id);
    }
    return p;
  };

  /** Captures an authorized payment; its order (if any) is paid once nothing is due. */
  function capture(p: Payment): void {
    const { fee, tax } = sandboxFee(p.amount);
    p.status = 'captured';
    p.captured = true;
    p.fee = fee;
    p.tax = tax;
    state.merchantLedger.push({ amount: p.amount - fee, fee, tax });
    emit('payment.captured', { payment: p as unknown as Json });
    if (p.order_id === null) return;
    const o = order(p.order_id);
    o.amount_paid += p.amount;
    o.amount_due = o.amount - o.amount_paid;
    if (o.amount_due > 0) return;
    o.status = 'paid';
    emit('order.paid', { payment: p as unknown as Json, order: o as unknown as Json });
  }

  /** A new payment attempt (status `created`), stored. */
  function newPayment(input: {
    amount: number;
    orderId: string | null;
    method: string;
    description: string | null;
    notes: Notes;
  }): Payment {
    const p: Payment = {
      id: newId('pay'),
      entity: 'payment',
      amount: input.amount,
      currency: 'INR',
      status: 'created',
      order_id: input.orderId,
      invoice_id: null,
      international: false,
      method: input.method,
      amount_refunded: 0,
      refund_status: null,
      captured: false,
      description: input.description,
      card_id: null,
      bank: input.method === 'netbanking' ? 'HDFC' : null,
      wallet: input.method === 'wallet' ? 'paytm' : null,
      vpa: input.method === 'upi' ? 'success@razorpay' : null,
      email: 'buyer@example.com',
      contact: '+919000090000',
      notes: structuredClone(input.notes),
      fee: null,
      tax: null,
      error_code: null,
      error_description: null,
      error_source: null,
      error_step: null,
      error_reason: null,
      acquirer_data:
        input.method === 'upi' ? { rrn: String(100000000000 + state.payments.size) } : {},
      created_at: now(),
    };
    state.payments.set(p.id, p);
    return p;
  }

  /** A payment the customer made outside Checkout (a link or a QR code), authorized then captured. */
  function customerPayment(input: Parameters<typeof newPayment>[0]): Payment {
    const p = newPayment(input);
    p.status = 'authorized';
    emit('payment.authorized', { payment: p as unknown as Json });
    capture(p);
    return p;
  }

  const paymentLink = (id: string) => {
    const l = state.paymentLinks.get(id) ?? raise(notFound());
    expireLinkIfDue(l);
    return l;
  };
  /** Razorpay's expiry of a link whose expire_by passed (its cron; here when the link is next touched). */
  function expireLinkIfDue(l: PaymentLink, force = false): void {
    if (l.status !== 'created' && l.status !== 'partially_paid') return;
    if (!force && !(l.expire_by > 0 && l.expire_by <= now())) return;
    l.status = 'expired';
    l.expired_at = now();
    l.updated_at = l.expired_at;
    emit('payment_link.expired', { payment_link: l as unknown as Json });
  }
  const qrCode = (id: string) => {
    const q = state.qrCodes.get(id) ?? raise(notFound());
    closeQrIfDue(q);
    return q;
  };
  /**
   * A QR code whose close_by passed closes (close_reason stays null: Razorpay documents only
   * `on_demand` and `paid`) and, as Razorpay documents, no qr_code.closed is sent for it.
   */
  function closeQrIfDue(q: QrCode, force = false): void {
    if (q.status !== 'active') return;
    if (!force && !(q.close_by !== null && q.close_by <= now())) return;
    q.status = 'closed';
    q.closed_at = now();
  }

  function reverse(t: Transfer, amount: number, refundId: string | null, n: Notes): Reversal {
    const r: Reversal = {
      id: newId('rvrsl'),
      entity: 'reversal',
      transfer_id: t.id,
      amount,
      fee: 0,
      tax: 0,
      currency: t.currency,
      notes: n,
      initiator_id: merchantAccountId.replace(/^acc_/, ''),
      customer_refund_id: refundId,
      utr: null,
      created_at: now(),
    };
    state.reversals.set(r.id, r);
    t.amount_reversed += amount;
    t.status = t.amount_reversed >= t.amount ? 'reversed' : 'partially_reversed';
    state.merchantLedger.push({ amount, fee: 0, tax: 0 });
    return r;
  }

  function finishRefund(r: Refund, outcome: 'processed' | 'failed'): void {
    const p = payment(r.payment_id);
    r.status = outcome;
    if (outcome === 'processed') {
      r.acquirer_data = { arn: `ARN${r.id.slice(5).toUpperCase()}` };
      emit('refund.processed', { refund: r as unknown as Json, payment: p as unknown as Json });
    } else {
      p.amount_refunded -= r.amount;
      p.refund_status = p.amount_refunded === 0 ? null : 'partial';
      if (p.status === 'refunded') p.status = 'captured';
      state.merchantLedger.push({ amount: r.amount, fee: 0, tax: 0 });
      emit('refund.failed', { refund: r as unknown as Json, payment: p as unknown as Json });
    }
  }

  // ---- Razorpay API routes ----

  type Handler = (
    params: string[],
    body: Json,
    req: IncomingMessage,
    query: URLSearchParams,
  ) => unknown;
  const routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  const route = (method: string, path: string, handler: Handler) =>
    routes.push({
      method,
      pattern: new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}/?$`),
      handler,
    });

  route('POST', '/v1/orders', (_p, body) => {
    const amount = paise(body, 'amount', { required: true, min: 100 })!;
    const o: Order = {
      id: newId('order'),
      entity: 'order',
      amount,
      amount_paid: 0,
      amount_due: amount,
      currency: currency(body),
      receipt: optString(body, 'receipt', 40),
      offer_id: null,
      status: 'created',
      attempts: 0,
      notes: notes(body),
      created_at: now(),
    };
    if (bool(body.partial_payment, 'partial_payment'))
      throw bad('Partial payments are not supported by the sandbox', 'partial_payment');
    state.orders.set(o.id, o);
    return o;
  });
  route('GET', '/v1/orders/:id', ([id]) => order(id!));
  route('GET', '/v1/orders/:id/payments', ([id]) => {
    order(id!);
    return collection([...state.payments.values()].filter((p) => p.order_id === id).reverse());
  });

  // Payment Links (Standard; `upi_link` is echoed, every method is accepted).
  route('POST', '/v1/payment_links', (_p, body) => {
    const amount = paise(body, 'amount', { required: true, min: 100 })!;
    const cur = currency(body);
    const acceptPartial = bool(body.accept_partial, 'accept_partial');
    const firstMin = acceptPartial
      ? (paise(body, 'first_min_partial_amount', { required: false, min: 100 }) ?? 0)
      : 0;
    if (firstMin > amount)
      throw bad(
        'first_min_partial_amount should be less than or equal to the amount',
        'first_min_partial_amount',
      );
    const referenceId = optString(body, 'reference_id', 40) ?? '';
    if (
      referenceId !== '' &&
      [...state.paymentLinks.values()].some((l) => l.reference_id === referenceId)
    )
      throw bad(`Payment Link with reference_id ${referenceId} already exists`, 'reference_id');
    const customer = linkCustomer(body.customer);
    const notify = asObject(body.notify);
    const created = now();
    const expireBy = paise(body, 'expire_by', { required: false }) ?? 0;
    if (expireBy !== 0 && expireBy < created + 15 * 60)
      throw bad('expire_by should be at least 15 minutes after the current time', 'expire_by');
    if (expireBy > created + 180 * 24 * 3600)
      throw bad('expire_by cannot be more than 6 months after the current time', 'expire_by');
    const callbackUrl = optString(body, 'callback_url', 2048) ?? '';
    if (callbackUrl !== '' && !/^https?:\/\/\S+$/.test(callbackUrl))
      throw bad('The callback url format is invalid.', 'callback_url');
    const callbackMethod = optString(body, 'callback_method', 10) ?? '';
    if (callbackUrl !== '' && callbackMethod !== 'get')
      throw bad('callback_method must be get when callback_url is passed', 'callback_method');
    const id = newId('plink');
    const l: PaymentLink = {
      id,
      accept_partial: acceptPartial,
      amount,
      amount_paid: 0,
      callback_method: callbackMethod,
      callback_url: callbackUrl,
      cancelled_at: 0,
      created_at: created,
      currency: cur,
      customer,
      description: optString(body, 'description', 2048) ?? '',
      expire_by: expireBy,
      expired_at: 0,
      first_min_partial_amount: firstMin,
      notes: notes(body),
      notify: {
        sms: bool(notify.sms, 'notify.sms'),
        email: bool(notify.email, 'notify.email'),
      },
      order_id: null,
      payments: null,
      reference_id: referenceId,
      reminder_enable: bool(body.reminder_enable, 'reminder_enable'),
      reminders: [] as unknown as Json,
      short_url: `https://rzp.io/i/${id.slice(6, 13)}`,
      status: 'created',
      updated_at: created,
      upi_link: bool(body.upi_link, 'upi_link'),
      user_id: '',
    };
    state.paymentLinks.set(l.id, l);
    return l;
  });
  route('GET', '/v1/payment_links', (_p, _b, _r, q) => {
    const reference = q.get('reference_id');
    const paymentId = q.get('payment_id');
    const links = [...state.paymentLinks.values()]
      .filter((l) => reference === null || l.reference_id === reference)
      .filter(
        (l) => paymentId === null || (l.payments ?? []).some((x) => x.payment_id === paymentId),
      )
      .reverse();
    for (const l of links) expireLinkIfDue(l);
    return { payment_links: links };
  });
  route('GET', '/v1/payment_links/:id', ([id]) => paymentLink(id!));
  route('POST', '/v1/payment_links/:id/cancel', ([id]) => {
    const l = paymentLink(id!);
    if (l.status !== 'created' && l.status !== 'partially_paid')
      throw bad(`Payment Link cannot be cancelled in ${l.status} status`, 'id');
    l.status = 'cancelled';
    l.cancelled_at = now();
    l.updated_at = l.cancelled_at;
    emit('payment_link.cancelled', { payment_link: l as unknown as Json });
    return l;
  });

  // QR codes (UPI; before /v1/payments/:id, which would take `qr_codes` for an id).
  route('POST', '/v1/payments/qr_codes', (_p, body) => {
    if (body.type === undefined || body.type === null || body.type === '')
      throw bad('The type field is required.', 'type');
    if (body.type !== 'upi_qr') throw bad('The selected type is invalid.', 'type');
    const usage = body.usage;
    if (usage === undefined || usage === null || usage === '')
      throw bad('The usage field is required.', 'usage');
    if (usage !== 'single_use' && usage !== 'multiple_use')
      throw bad('The selected usage is invalid.', 'usage');
    const fixed = bool(body.fixed_amount, 'fixed_amount');
    const amount = paise(body, 'payment_amount', { required: fixed, min: 100 });
    if (!fixed && amount !== null)
      throw bad('payment_amount is required only when fixed_amount is true', 'payment_amount');
    const created = now();
    const closeBy = paise(body, 'close_by', { required: false });
    if (closeBy !== null) {
      if (usage !== 'single_use')
        throw bad('close_by is allowed only for single_use QR codes', 'close_by');
      if (closeBy < created + 15 * 60)
        throw bad('close_by should be at least 15 minutes after the current time', 'close_by');
      if (closeBy > created + 45 * 24 * 3600)
        throw bad('close_by cannot be more than 45 days after the current time', 'close_by');
    }
    const id = newId('qr');
    const q: QrCode = {
      id,
      entity: 'qr_code',
      created_at: created,
      name: optString(body, 'name', 255),
      usage,
      type: 'upi_qr',
      image_url: `https://rzp.io/i/${id.slice(3, 11)}`,
      payment_amount: amount,
      status: 'active',
      description: optString(body, 'description', 255),
      fixed_amount: fixed,
      payments_amount_received: 0,
      payments_count_received: 0,
      notes: notes(body),
      customer_id: optString(body, 'customer_id', 20),
      close_by: closeBy,
      closed_at: null,
      close_reason: null,
    };
    state.qrCodes.set(q.id, q);
    emit('qr_code.created', { qr_code: q as unknown as Json });
    return q;
  });
  route('GET', '/v1/payments/qr_codes', (_p, _b, _r, q) =>
    collection(listed([...state.qrCodes.values()], listQuery(q))),
  );
  route('GET', '/v1/payments/qr_codes/:id', ([id]) => qrCode(id!));
  route('GET', '/v1/payments/qr_codes/:id/payments', ([id]) => {
    qrCode(id!);
    return collection(
      (state.qrCodePayments.get(id!) ?? []).map((paymentId) => payment(paymentId)).reverse(),
    );
  });
  route('POST', '/v1/payments/qr_codes/:id/close', ([id]) => {
    const q = qrCode(id!);
    if (q.status === 'closed') throw bad('The QR code is already closed', 'id');
    q.status = 'closed';
    q.closed_at = now();
    q.close_reason = 'on_demand';
    emit('qr_code.closed', { qr_code: q as unknown as Json });
    return q;
  });

  route('GET', '/v1/payments/:id', ([id]) => payment(id!));
  route('POST', '/v1/payments/:id/capture', ([id], body) => {
    const p = payment(id!);
    const amount = paise(body, 'amount', { required: true })!;
    currency(body);
    if (p.status === 'captured' || p.status === 'refunded')
      throw bad('This payment has already been captured');
    if (p.status !== 'authorized')
      throw bad('Only payments which have been authorized and not yet captured can be captured');
    if (amount !== p.amount)
      throw bad('Capture amount must be equal to the amount authorized', 'amount');
    capture(p);
    return p;
  });

  route('POST', '/v1/payments/:id/transfers', ([id], body) => {
    const p = payment(id!);
    const list = body.transfers;
    if (!Array.isArray(list) || list.length === 0)
      throw bad('The transfers field is required.', 'transfers');
    if (p.status !== 'captured' && p.status !== 'refunded')
      throw bad('Transfer cannot be initiated on a payment that is not captured');
    if (refundsOf(p.id).length > 0 || p.amount_refunded > 0)
      throw bad('Transfer cannot be initiated as a refund has been initiated on the payment');
    const requested = list.map((raw: unknown, i) => {
      const t = asObject(raw);
      const accountId = t.account;
      if (typeof accountId !== 'string')
        throw bad(`The transfers.${i}.account field is required.`, 'account');
      const acc = state.accounts.get(accountId);
      if (!acc) throw bad(`The account id ${accountId} is invalid`, 'account');
      if (!routeActivated(acc.id)) throw notActivated(acc.id);
      const onHoldUntil =
        t.on_hold_until === undefined || t.on_hold_until === null
          ? null
          : paise(t, 'on_hold_until', { required: true });
      return {
        account: acc.id,
        amount: paise(t, 'amount', { required: true })!,
        currency: currency(t),
        notes: notes(t),
        linkedAccountNotes: Array.isArray(t.linked_account_notes)
          ? t.linked_account_notes.map(String)
          : [],
        onHold: bool(t.on_hold, 'on_hold'),
        onHoldUntil,
      };
    });
    const already = transfersOf(p.id).reduce((s, t) => s + t.amount - t.amount_reversed, 0);
    const asked = requested.reduce((s, t) => s + t.amount, 0);
    if (already + asked > p.amount - p.amount_refunded)
      throw bad(
        'The sum of amount requested for transfer is greater than the captured amount',
        'amount',
      );
    const created = requested.map((r) => {
      const t: Transfer = {
        id: newId('trf'),
        entity: 'transfer',
        status: 'pending',
        source: p.id,
        recipient: r.account,
        amount: r.amount,
        currency: r.currency,
        amount_reversed: 0,
        fees: 0,
        tax: 0,
        notes: r.notes,
        linked_account_notes: r.linkedAccountNotes,
        on_hold: r.onHold,
        on_hold_until: r.onHoldUntil,
        settlement_status: r.onHold ? 'on_hold' : 'pending',
        recipient_settlement_id: null,
        created_at: now(),
        processed_at: null,
        error: {
          code: null,
          description: null,
          reason: null,
          field: null,
          step: null,
          id: null,
          source: null,
          metadata: null,
        },
      };
      state.transfers.set(t.id, t);
      state.merchantLedger.push({ amount: -t.amount, fee: 0, tax: 0 });
      return structuredClone(t);
    });
    // Answered as `pending`, as documented; processed right after (transfer.processed).
    for (const c of created) {
      const t = transfer(c.id);
      t.status = 'processed';
      t.processed_at = now();
      emit('transfer.processed', { transfer: t as unknown as Json });
    }
    return collection(created);
  });
  route('GET', '/v1/payments/:id/transfers', ([id]) => collection(transfersOf(payment(id!).id)));
  route('GET', '/v1/transfers/:id', ([id]) => transfer(id!));
  route('PATCH', '/v1/transfers/:id', ([id], body) => {
    const t = transfer(id!);
    if (body.on_hold === undefined) throw bad('The on_hold field is required.', 'on_hold');
    const onHold = bool(body.on_hold, 'on_hold');
    if (t.settlement_status === 'settled')
      throw bad('The transfer has already been settled', 'on_hold');
    if (!onHold && !routeActivated(t.recipient)) throw notActivated(t.recipient);
    t.on_hold = onHold;
    t.on_hold_until =
      onHold && body.on_hold_until != null
        ? paise(body, 'on_hold_until', { required: true })
        : null;
    t.settlement_status = onHold ? 'on_hold' : 'pending';
    return t;
  });
  route('POST', '/v1/transfers/:id/reversals', ([id], body) => {
    const t = transfer(id!);
    const remaining = t.amount - t.amount_reversed;
    const amount = paise(body, 'amount', { required: false }) ?? remaining;
    if (remaining <= 0) throw bad('The transfer has been fully reversed already');
    if (amount > remaining)
      throw bad('The reversal amount provided is greater than the unreversed amount', 'amount');
    return reverse(t, amount, null, notes(body));
  });

  route('POST', '/v1/payments/:id/refund', ([id], body, req) => {
    const p = payment(id!);
    const key = req.headers['x-refund-idempotency'];
    const idemKey = Array.isArray(key) ? key[0] : key;
    if (idemKey !== undefined && !/^[A-Za-z0-9_-]{10,}$/.test(idemKey))
      throw bad(
        'The X-Refund-Idempotency header must be at least 10 characters of letters, digits, - or _',
      );
    const bodyHash = JSON.stringify(body);
    if (idemKey !== undefined) {
      const seen = state.refundKeys.get(idemKey);
      if (seen) {
        if (seen.paymentId !== p.id || seen.bodyHash !== bodyHash)
          throw bad('Different request body sent for the same idempotency key');
        return state.refunds.get(seen.refundId);
      }
    }
    if (p.status !== 'captured')
      throw bad(
        p.status === 'refunded'
          ? 'The payment has been fully refunded already'
          : 'Only payments which have been captured can be refunded',
      );
    const remaining = p.amount - p.amount_refunded;
    const amount = paise(body, 'amount', { required: false }) ?? remaining;
    if (amount > remaining)
      throw bad('The refund amount provided is greater than amount captured', 'amount');
    const speed = body.speed ?? 'normal';
    if (speed !== 'normal' && speed !== 'optimum') throw bad('Invalid refund speed', 'speed');
    const reverseAll = bool(body.reverse_all, 'reverse_all');
    const r: Refund = {
      id: newId('rfnd'),
      entity: 'refund',
      amount,
      currency: p.currency,
      payment_id: p.id,
      notes: notes(body),
      receipt: optString(body, 'receipt', 40),
      acquirer_data: { arn: null },
      created_at: now(),
      batch_id: null,
      status: 'pending',
      speed_processed: 'normal',
      speed_requested: speed,
    };
    state.refunds.set(r.id, r);
    if (idemKey !== undefined)
      state.refundKeys.set(idemKey, { paymentId: p.id, bodyHash, refundId: r.id });
    p.amount_refunded += amount;
    p.refund_status = p.amount_refunded >= p.amount ? 'full' : 'partial';
    if (p.amount_refunded >= p.amount) p.status = 'refunded';
    state.merchantLedger.push({ amount: -amount, fee: 0, tax: 0 });
    if (reverseAll)
      for (const t of transfersOf(p.id))
        if (t.amount > t.amount_reversed) reverse(t, t.amount - t.amount_reversed, r.id, []);
    emit('refund.created', { refund: r as unknown as Json, payment: p as unknown as Json });
    if (state.refundMode === 'instant') finishRefund(r, 'processed');
    return r;
  });
  route('GET', '/v1/refunds/:id', ([id]) => state.refunds.get(id!) ?? raise(notFound()));
  route('GET', '/v1/payments/:id/refunds/:rid', ([id, rid]) => {
    const r = state.refunds.get(rid!);
    if (!r || r.payment_id !== id) throw notFound();
    return r;
  });

  route('POST', '/v2/accounts', (_p, body) => {
    const email = reqString(body, 'email', 3, 132);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw bad('The email must be a valid email address.', 'email');
    if (body.type !== 'route') throw bad(`Invalid type: ${String(body.type)}`, 'type');
    const phoneRaw = body.phone;
    const phone = phoneRaw === undefined || phoneRaw === null ? null : String(phoneRaw);
    if (phone !== null && !/^\+?\d{8,15}$/.test(phone))
      throw bad('The phone must be between 8 and 15 digits.', 'phone');
    const name = reqString(body, 'legal_business_name', 4, 200);
    const referenceId = optString(body, 'reference_id', 20);
    if (referenceId !== null && referenceId.length < 3)
      throw bad('The code must be at least 3 characters.', 'reference_id');
    if (referenceId !== null && !/^[A-Za-z0-9_-]+$/.test(referenceId))
      throw bad('The code format is invalid.', 'reference_id');
    const businessType = reqString(body, 'business_type', 2, 64);
    if (!BUSINESS_TYPES.has(businessType))
      throw bad(`Invalid business type: ${businessType}`, 'business_type');
    const contactName = reqString(body, 'contact_name', 4, 255);
    const profile = validateProfile(body.profile);
    const legalInfo = validateLegalInfo(body.legal_info);
    // One linked account per email: Razorpay names the existing one (without its acc_ prefix).
    const existing = [...state.accounts.values()].find(
      (x) => x.email.toLowerCase() === email.toLowerCase(),
    );
    if (existing)
      throw bad(
        `Merchant email already exists for account - ${existing.id.replace(/^acc_/, '')}`,
        'email',
      );
    const a: LinkedAccount = {
      id: newId('acc'),
      type: 'route',
      reference_id: referenceId,
      status: 'created',
      email,
      phone,
      legal_business_name: name,
      customer_facing_business_name: optString(body, 'customer_facing_business_name', 255) ?? name,
      business_type: businessType,
      contact_name: contactName,
      profile: structuredClone(profile),
      legal_info: legalInfo === null ? null : structuredClone(legalInfo),
      notes: notes(body),
      created_at: now(),
      activated_at: null,
    };
    state.accounts.set(a.id, a);
    return a;
  });
  route('GET', '/v2/accounts/:id', ([id]) => state.accounts.get(id!) ?? raise(notFound()));
  route('POST', '/v2/accounts/:id/stakeholders', ([id], body) => {
    const a = account(id!);
    const name = reqString(body, 'name', 4, 255);
    if (!/^[A-Za-z .']+$/.test(name))
      throw bad('The name may only contain alphabets and spaces.', 'name');
    const email = reqString(body, 'email', 3, 132);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw bad('The email must be a valid email address.', 'email');
    const phone = asObject(body.phone).primary;
    if (phone !== undefined && !/^\+?\d{8,15}$/.test(String(phone)))
      throw bad('The phone must be between 8 and 15 digits.', 'phone');
    const pan = asObject(body.kyc).pan;
    if (pan !== undefined && (typeof pan !== 'string' || !PERSONAL_PAN.test(pan)))
      throw bad('The pan field is invalid', 'pan');
    const sh: Stakeholder = {
      id: newId('sth'),
      entity: 'stakeholder',
      account_id: a.id,
      name,
      email,
      phone: phone === undefined ? null : { primary: String(phone) },
      kyc: pan === undefined ? null : { pan: pan as string },
      notes: notes(body),
      created_at: now(),
    };
    state.stakeholders.set(sh.id, sh);
    const p = productOf(a.id);
    if (p) review(p);
    return sh;
  });
  route('GET', '/v2/accounts/:id/stakeholders', ([id]) =>
    collection(stakeholdersOf(account(id!).id)),
  );
  // One Route configuration per account: a second request answers the existing one.
  route('POST', '/v2/accounts/:id/products', ([id], body) => {
    const a = account(id!);
    if (body.product_name !== 'route')
      throw bad(`Invalid product name: ${String(body.product_name)}`, 'product_name');
    const accepted = tncAccepted(body);
    const existing = productOf(a.id);
    const p: RouteProduct = existing ?? {
      id: newId('acc_prd'),
      account_id: a.id,
      product_name: 'route',
      activation_status: 'requested',
      requested_configuration: { settlements: null },
      active_configuration: { settlements: null },
      requirements: [],
      tnc: null,
      requested_at: now(),
    };
    if (accepted && !p.tnc?.accepted)
      p.tnc = { id: newId('tnc'), accepted: true, accepted_at: now() };
    state.products.set(p.id, p);
    return review(p);
  });
  const product = (accountId: string, productId: string) => {
    const p = state.products.get(productId);
    if (!p || p.account_id !== account(accountId).id)
      throw bad("The provided product config id doesn't exist for the merchant", 'product_id');
    return p;
  };
  route('GET', '/v2/accounts/:id/products/:pid', ([id, pid]) => product(id!, pid!));
  route('PATCH', '/v2/accounts/:id/products/:pid', ([id, pid], body) => {
    const p = product(id!, pid!);
    const accepted = tncAccepted(body);
    const settlements =
      body.settlements === undefined ? null : validateSettlements(body.settlements);
    if (settlements !== null) {
      p.requested_configuration.settlements = settlements;
      if (p.activation_status === 'activated') p.active_configuration.settlements = settlements;
    }
    if (accepted && !p.tnc?.accepted)
      p.tnc = { id: newId('tnc'), accepted: true, accepted_at: now() };
    return review(p);
  });

  // The merchant's own settlement, or with `X-Razorpay-Account` one of that linked account's.
  route('GET', '/v1/settlements/:id', ([id], _b, req) => {
    const header = req.headers['x-razorpay-account'];
    const account = typeof header === 'string' ? header : merchantAccountId;
    if (state.settlementAccounts.get(id!) !== account) throw notFound();
    return state.settlements.get(id!)!;
  });

  // Lists: `from`/`to`/`count`/`skip`, newest first.
  route('GET', '/v1/payments', (_p, _b, _r, q) =>
    collection(listed([...state.payments.values()], listQuery(q))),
  );
  route('GET', '/v1/refunds', (_p, _b, _r, q) =>
    collection(listed([...state.refunds.values()], listQuery(q))),
  );
  // `expand[]=recipient_settlement` adds each transfer's settlement entity (null until settled).
  route('GET', '/v1/transfers', (_p, _b, _r, q) => {
    const page = listQuery(q);
    const settlementId = q.get('recipient_settlement_id');
    const all = [...state.transfers.values()].filter(
      (t) => !settlementId || t.recipient_settlement_id === settlementId,
    );
    const found = listed(all, page);
    if (!q.getAll('expand[]').includes('recipient_settlement')) return collection(found);
    return collection(
      found.map((t) => ({
        ...t,
        recipient_settlement:
          t.recipient_settlement_id === null
            ? null
            : (state.settlements.get(t.recipient_settlement_id) ?? null),
      })),
    );
  });
  route('GET', '/v1/transfers/:id/reversals', ([id]) => {
    const t = transfer(id!);
    return collection([...state.reversals.values()].filter((r) => r.transfer_id === t.id));
  });
  // The merchant's own settlements only; linked accounts' are theirs.
  route('GET', '/v1/settlements', (_p, _b, _r, q) =>
    collection(
      listed(
        [...state.settlements.values()].filter(
          (x) => state.settlementAccounts.get(x.id) === merchantAccountId,
        ),
        listQuery(q),
      ),
    ),
  );

  // ---- control ----

  const control: RazorpaySandboxControl = {
    pay(orderId, input = {}) {
      const o = order(orderId);
      const outcome = input.outcome ?? 'captured';
      if (!['captured', 'authorized', 'failed'].includes(outcome))
        throw bad('Unknown outcome', 'outcome');
      if (o.status === 'paid') throw bad('Order has already been paid', 'order_id');
      const p = newPayment({
        amount: o.amount,
        orderId: o.id,
        method: input.method ?? 'upi',
        description: null,
        notes: o.notes,
      });
      o.attempts += 1;
      o.status = 'attempted';
      if (outcome === 'failed') {
        Object.assign(p, {
          status: 'failed',
          error_code: 'BAD_REQUEST_ERROR',
          error_description: 'Payment failed because the customer cancelled it',
          error_source: 'customer',
          error_step: 'payment_authentication',
          error_reason: 'payment_cancelled',
        });
        emit('payment.failed', { payment: p as unknown as Json });
        return {
          payment: structuredClone(p),
          error: {
            code: 'BAD_REQUEST_ERROR',
            description: p.error_description!,
            source: 'customer',
            step: 'payment_authentication',
            reason: 'payment_cancelled',
            metadata: { order_id: o.id, payment_id: p.id },
          },
        };
      }
      p.status = 'authorized';
      emit('payment.authorized', { payment: p as unknown as Json });
      if (outcome === 'captured') capture(p);
      return {
        payment: structuredClone(p),
        razorpay_order_id: o.id,
        razorpay_payment_id: p.id,
        razorpay_signature: checkoutSignature(options.keySecret, o.id, p.id),
      };
    },

    payPaymentLink(linkId, input = {}) {
      const l = paymentLink(linkId);
      if (l.status !== 'created' && l.status !== 'partially_paid')
        throw bad(`The Payment Link is ${l.status} and cannot be paid`, 'id');
      const due = l.amount - l.amount_paid;
      const amount = input.amount ?? due;
      if (!Number.isSafeInteger(amount) || amount < 100 || amount > due)
        throw bad(`The amount must be between 100 and ${due}`, 'amount');
      if (amount < due && !l.accept_partial)
        throw bad('The Payment Link does not accept partial payments', 'amount');
      if (l.amount_paid === 0 && amount < l.first_min_partial_amount)
        throw bad('The first payment must be at least first_min_partial_amount', 'amount');
      if (l.order_id === null) {
        const o: Order = {
          id: newId('order'),
          entity: 'order',
          amount: l.amount,
          amount_paid: 0,
          amount_due: l.amount,
          currency: l.currency,
          receipt: l.reference_id || null,
          offer_id: null,
          status: 'created',
          attempts: 0,
          notes: structuredClone(l.notes),
          created_at: now(),
        };
        state.orders.set(o.id, o);
        l.order_id = o.id;
      }
      const o = order(l.order_id);
      o.attempts += 1;
      o.status = 'attempted';
      const p = customerPayment({
        amount,
        orderId: o.id,
        method: input.method ?? 'upi',
        description: `#${l.id.slice('plink_'.length)}`,
        notes: [],
      });
      l.amount_paid += amount;
      l.status = l.amount_paid === l.amount ? 'paid' : 'partially_paid';
      l.updated_at = now();
      l.payments = [
        ...(l.payments ?? []),
        {
          amount,
          created_at: p.created_at,
          method: p.method,
          payment_id: p.id,
          plink_id: l.id,
          status: p.status,
          updated_at: p.created_at,
        },
      ];
      emit(l.status === 'paid' ? 'payment_link.paid' : 'payment_link.partially_paid', {
        payment_link: l as unknown as Json,
        order: o as unknown as Json,
        payment: p as unknown as Json,
      });
      return {
        callback: {
          razorpay_payment_id: p.id,
          razorpay_payment_link_id: l.id,
          razorpay_payment_link_reference_id: l.reference_id,
          razorpay_payment_link_status: l.status,
          razorpay_signature: paymentLinkSignature(options.keySecret, {
            linkId: l.id,
            referenceId: l.reference_id,
            status: l.status,
            paymentId: p.id,
          }),
        },
        payment: structuredClone(p),
        payment_link: structuredClone(l),
      };
    },

    payQrCode(qrId, input = {}) {
      const q = qrCode(qrId);
      if (q.status !== 'active') throw bad('The QR code is closed and cannot be paid', 'id');
      const amount = input.amount ?? q.payment_amount;
      if (amount === null || !Number.isSafeInteger(amount) || amount < 100)
        throw bad('The amount must be an integer of at least 100', 'amount');
      if (q.fixed_amount && amount !== q.payment_amount)
        throw bad(`The QR code accepts exactly ${q.payment_amount}`, 'amount');
      const p = customerPayment({
        amount,
        orderId: null,
        method: 'upi',
        description: 'QRv2 Payment',
        notes: q.notes,
      });
      q.payments_amount_received += amount;
      q.payments_count_received += 1;
      state.qrCodePayments.set(q.id, [...(state.qrCodePayments.get(q.id) ?? []), p.id]);
      if (q.usage === 'single_use') {
        q.status = 'closed';
        q.closed_at = now();
        q.close_reason = 'paid';
      }
      emit('qr_code.credited', { payment: p as unknown as Json, qr_code: q as unknown as Json });
      return { payment: structuredClone(p), qr_code: structuredClone(q) };
    },

    expirePaymentLink(linkId) {
      const l = paymentLink(linkId);
      if (l.status !== 'created' && l.status !== 'partially_paid')
        throw bad(`The Payment Link is ${l.status} and cannot expire`, 'id');
      expireLinkIfDue(l, true);
      return structuredClone(l);
    },

    expireQrCode(qrId) {
      const q = qrCode(qrId);
      if (q.status !== 'active') throw bad('The QR code is already closed', 'id');
      closeQrIfDue(q, true);
      return structuredClone(q);
    },

    activateAccount(accountId) {
      const a = state.accounts.get(accountId) ?? raise(notFound());
      const p = productOf(a.id);
      if (p === null) throw bad('The account has no Route product configuration', 'product');
      if (p.activation_status !== 'activated') {
        const missing = requirementsOf(p);
        if (missing.length > 0)
          throw bad(
            `The Route product cannot be activated: ${missing.map((m) => m.field_reference).join(', ')} missing`,
            'product',
          );
        p.activation_status = 'activated';
        p.requirements = [];
        p.active_configuration.settlements = p.requested_configuration.settlements;
      }
      if (a.status !== 'activated') {
        a.status = 'activated';
        a.activated_at = now();
        emit(
          'product.route.activated',
          {
            merchant_product: {
              id: p.id,
              merchant_id: a.id,
              activation_status: 'activated',
            },
          },
          a.id,
        );
        emit('account.activated', { account: a as unknown as Json }, a.id);
      }
      return structuredClone(a);
    },

    suspendAccount(accountId) {
      const a = state.accounts.get(accountId) ?? raise(notFound());
      a.status = 'suspended';
      return structuredClone(a);
    },

    requestClarification(accountId, field) {
      const p = productOf(accountId) ?? raise(notFound());
      if (p.activation_status !== 'under_review')
        throw bad('Only a product under review can need clarification', 'product');
      p.activation_status = 'needs_clarification';
      p.requirements = [
        {
          field_reference: field,
          resolution_url: `/accounts/${accountId}/products/${p.id}`,
          status: 'required',
          reason_code: 'field_missing',
        },
      ];
      return structuredClone(p);
    },

    accounts: () => [...state.accounts.values()].map((a) => structuredClone(a)),
    stakeholders: (accountId) => stakeholdersOf(accountId).map((x) => structuredClone(x)),
    routeProduct: (accountId) => structuredClone(productOf(accountId)),

    processRefund(refundId, outcome) {
      const r = state.refunds.get(refundId) ?? raise(notFound());
      if (r.status !== 'pending') throw bad('The refund is not pending');
      if (outcome !== 'processed' && outcome !== 'failed') throw bad('Unknown outcome', 'outcome');
      finishRefund(r, outcome);
      return structuredClone(r);
    },

    setRefundMode(mode) {
      state.refundMode = mode;
    },

    settle() {
      const t = now();
      let merchant: Settlement | null = null;
      const net = state.merchantLedger.reduce((s, e) => s + e.amount, 0);
      if (state.merchantLedger.length > 0 && net > 0) {
        merchant = {
          id: newId('setl'),
          entity: 'settlement',
          amount: net,
          status: 'processed',
          fees: state.merchantLedger.reduce((s, e) => s + e.fee, 0),
          tax: state.merchantLedger.reduce((s, e) => s + e.tax, 0),
          utr: `SNDBX${randomBytes(6).toString('hex').toUpperCase()}`,
          created_at: t,
        };
        state.merchantLedger.length = 0;
        state.settlements.set(merchant.id, merchant);
        state.settlementAccounts.set(merchant.id, merchantAccountId);
        emit('settlement.processed', { settlement: merchant as unknown as Json });
      }
      const byAccount = new Map<string, Transfer[]>();
      for (const tr of state.transfers.values()) {
        if (tr.on_hold && tr.on_hold_until !== null && tr.on_hold_until <= t) {
          tr.on_hold = false;
          tr.settlement_status = 'pending';
        }
        if (tr.status === 'pending' || tr.status === 'failed') continue;
        if (tr.on_hold || tr.settlement_status !== 'pending') continue;
        if (tr.amount - tr.amount_reversed <= 0) continue;
        byAccount.set(tr.recipient, [...(byAccount.get(tr.recipient) ?? []), tr]);
      }
      const linkedAccounts: Settlement[] = [];
      for (const [accountId, list] of byAccount) {
        const s: Settlement = {
          id: newId('setl'),
          entity: 'settlement',
          amount: list.reduce((sum, tr) => sum + tr.amount - tr.amount_reversed, 0),
          status: 'processed',
          fees: 0,
          tax: 0,
          utr: `SNDBX${randomBytes(6).toString('hex').toUpperCase()}`,
          created_at: t,
        };
        for (const tr of list) {
          tr.settlement_status = 'settled';
          tr.recipient_settlement_id = s.id;
        }
        state.settlements.set(s.id, s);
        state.settlementAccounts.set(s.id, accountId);
        linkedAccounts.push(s);
        emit('settlement.processed', { settlement: s as unknown as Json }, accountId);
      }
      return { merchant, linkedAccounts };
    },

    setFaults(f) {
      faults = {
        api: { ...faults.api, ...(f.api ?? {}) },
        webhooks: { ...faults.webhooks, ...(f.webhooks ?? {}) },
        seed: f.seed ?? faults.seed,
      };
      if (f.seed !== undefined) random = prng(f.seed);
      return structuredClone(faults);
    },
    resetFaults() {
      faults = {
        api: { ...DEFAULT_API_FAULTS },
        webhooks: {
          ...DEFAULT_WEBHOOK_FAULTS,
          retryDelaysMs: [...DEFAULT_WEBHOOK_FAULTS.retryDelaysMs],
        },
        seed: 1,
      };
      random = prng(1);
      return structuredClone(faults);
    },
    faults: () => structuredClone(faults),
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    webhooks: () => [...dispatcher.log],
    flushWebhooks: () => dispatcher.flush(),
  };

  // ---- control routes ----

  const controlRoutes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  const controlRoute = (method: string, path: string, handler: Handler) =>
    controlRoutes.push({
      method,
      pattern: new RegExp(`^/__sandbox${path.replace(/:[a-z_]+/g, '([^/]+)')}/?$`),
      handler,
    });
  controlRoute('GET', '/health', () => ({ ok: true }));
  controlRoute('POST', '/orders/:id/pay', ([id], body) => {
    const outcome = body.outcome ?? 'captured';
    if (outcome !== 'captured' && outcome !== 'authorized' && outcome !== 'failed')
      throw bad('outcome must be captured, authorized or failed', 'outcome');
    const method = typeof body.method === 'string' ? body.method : undefined;
    // Exactly what Checkout hands the browser (the in-process control also returns the payment).
    const { payment: _payment, ...checkout } = control.pay(id!, { outcome, method });
    return checkout;
  });
  const optAmount = (body: Json) => paise(body, 'amount', { required: false }) ?? undefined;
  controlRoute('POST', '/payment_links/:id/pay', ([id], body) => {
    const method = typeof body.method === 'string' ? body.method : undefined;
    // What the customer's browser is redirected to callback_url with.
    return control.payPaymentLink(id!, { amount: optAmount(body), method }).callback;
  });
  controlRoute('POST', '/payment_links/:id/expire', ([id]) => control.expirePaymentLink(id!));
  controlRoute('POST', '/qr_codes/:id/pay', ([id], body) =>
    control.payQrCode(id!, { amount: optAmount(body) }),
  );
  controlRoute('POST', '/qr_codes/:id/expire', ([id]) => control.expireQrCode(id!));
  controlRoute('POST', '/accounts/:id/activate', ([id]) => control.activateAccount(id!));
  controlRoute('POST', '/accounts/:id/suspend', ([id]) => control.suspendAccount(id!));
  controlRoute('POST', '/accounts/:id/clarification', ([id], body) =>
    control.requestClarification(id!, typeof body.field === 'string' ? body.field : 'settlements'),
  );
  controlRoute('POST', '/refunds/:id/process', ([id], body) => {
    const outcome = body.outcome ?? 'processed';
    if (outcome !== 'processed' && outcome !== 'failed')
      throw bad('outcome must be processed or failed', 'outcome');
    return control.processRefund(id!, outcome);
  });
  controlRoute('POST', '/refund-mode', (_p, body) => {
    if (body.mode !== 'instant' && body.mode !== 'manual')
      throw bad('mode must be instant or manual', 'mode');
    control.setRefundMode(body.mode);
    return { mode: body.mode };
  });
  controlRoute('POST', '/settlements', () => control.settle());
  controlRoute('GET', '/faults', () => control.faults());
  controlRoute('POST', '/faults', (_p, body) =>
    control.setFaults({
      api: asObject(body.api) as Partial<ApiFaults>,
      webhooks: asObject(body.webhooks) as Partial<WebhookFaults>,
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
    }),
  );
  controlRoute('DELETE', '/faults', () => control.resetFaults());
  controlRoute('GET', '/webhooks', () => ({
    items: control.webhooks().map((w) => ({ ...w, payload: JSON.parse(w.body) as unknown })),
  }));
  controlRoute('POST', '/webhooks/flush', async () => {
    await control.flushWebhooks();
    return { ok: true };
  });
  controlRoute('PUT', '/webhook-url', (_p, body) => {
    const url = body.url;
    if (url !== null && typeof url !== 'string') throw bad('url must be a string or null', 'url');
    control.setWebhookUrl(url);
    return { url };
  });

  // ---- HTTP ----

  const expectedAuth = Buffer.from(
    `Basic ${Buffer.from(`${options.keyId}:${options.keySecret}`).toString('base64')}`,
  );
  const authorized = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expectedAuth.length && timingSafeEqual(got, expectedAuth);
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const serverError = () =>
    new SandboxApiError(
      503,
      'SERVER_ERROR',
      'The server encountered an error. The incident has been reported to admins.',
    );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const raw = await buffer(req);
    let body: Json = {};
    if (raw.length > 0) {
      try {
        body = asObject(JSON.parse(raw.toString('utf8')));
      } catch {
        send(res, 400, bad('The request body is not valid JSON').body());
        return;
      }
    }

    if (url.pathname.startsWith('/__sandbox/')) {
      const hit = controlRoutes.find((r) => r.method === method && r.pattern.test(url.pathname));
      if (!hit) {
        send(res, 404, bad('No such sandbox control endpoint').body());
        return;
      }
      const params = url.pathname.match(hit.pattern)!.slice(1).map(decodeURIComponent);
      send(res, 200, await hit.handler(params, body, req, url.searchParams));
      return;
    }

    const api = faults.api;
    if (api.delayMs > 0) await new Promise((r) => setTimeout(r, api.delayMs));
    if (api.dropNext > 0) {
      api.dropNext -= 1;
      req.socket.destroy();
      return;
    }
    if (api.failNext > 0) {
      api.failNext -= 1;
      throw serverError();
    }
    if (api.fail5xxRate > 0 && random() < api.fail5xxRate) throw serverError();

    if (!authorized(req)) {
      send(res, 401, {
        error: {
          code: 'BAD_REQUEST_ERROR',
          description: 'The api key provided is invalid',
          source: 'NA',
          step: 'NA',
          reason: 'NA',
          metadata: {},
        },
      });
      return;
    }
    const hit = routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    if (!hit) throw bad('The requested URL was not found on the server.');
    const params = url.pathname.match(hit.pattern)!.slice(1).map(decodeURIComponent);
    const result = hit.handler(params, body, req, url.searchParams);
    if (api.failAfterNext > 0) {
      api.failAfterNext -= 1;
      send(res, 502, new SandboxApiError(502, 'SERVER_ERROR', 'Bad gateway').body());
      return;
    }
    send(res, 200, result);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof SandboxApiError) send(res, err.status, err.body());
      else send(res, 500, serverError().body());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    control,
    async stop() {
      dispatcher.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function raise(err: Error): never {
  throw err;
}
