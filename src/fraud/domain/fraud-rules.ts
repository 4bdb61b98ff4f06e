/**
 * The fraud rules as pure decisions (README "Fraud checks"): the stores gather the counts and
 * identities, these say whether a rule fires and with what evidence. No Nest or TypeORM here.
 */
import { identifiesSomeone } from '../../common/ip-address.js';

export { identifiesSomeone };

export const FRAUD_RULES = [
  'order_velocity',
  'new_account_high_value',
  'self_dealing',
  'refund_abuse',
  'shared_device_rating',
] as const;
export type FraudRule = (typeof FRAUD_RULES)[number];

/** What checkout counted for one key (the buyer, its device fingerprint, its IP) within the window, this order included. */
export interface VelocityCount {
  key: 'buyer' | 'device' | 'ip';
  orders: number;
  amountPaise: number;
}

export interface VelocityLimits {
  maxOrders: number;
  maxPaise: number;
  /** An IP (a shared network, carrier NAT) may do this many times as much. */
  ipMultiplier: number;
}

export interface VelocityHit extends VelocityCount {
  maxOrders: number;
  maxPaise: number;
}

/** The keys over their limit: more than maxOrders orders, or more than maxPaise, within the window. */
export function velocityHits(counts: VelocityCount[], limits: VelocityLimits): VelocityHit[] {
  return counts.flatMap((c) => {
    const factor = c.key === 'ip' ? limits.ipMultiplier : 1;
    const maxOrders = limits.maxOrders * factor;
    const maxPaise = limits.maxPaise * factor;
    return c.orders > maxOrders || c.amountPaise > maxPaise ? [{ ...c, maxOrders, maxPaise }] : [];
  });
}

export interface NewAccountLimits {
  days: number;
  firstOrders: number;
  orderPaise: number;
}

/**
 * A high-value order (at least orderPaise) by an account younger than `days`, or one of its first
 * `firstOrders` orders (`orderNumber` counts this one: 1 for the first); why, or null.
 */
export function newAccountHit(
  order: { totalPaise: number; accountAgeSeconds: number; orderNumber: number },
  limits: NewAccountLimits,
): { youngAccount: boolean; earlyOrder: boolean } | null {
  if (order.totalPaise < limits.orderPaise) return null;
  const youngAccount = order.accountAgeSeconds < limits.days * 86_400;
  const earlyOrder = order.orderNumber <= limits.firstOrders;
  return youngAccount || earlyOrder ? { youngAccount, earlyOrder } : null;
}

/**
 * What identifies an account on either side of a sale: its phones (the account's; a buyer's also the
 * order's delivery phone), PAN and GSTIN as stored, devices and IPs from sessions and requests.
 */
export interface Identity {
  phones: string[];
  pan: string | null;
  gstin: string | null;
  /** SHA-256 hashes of device fingerprints. */
  devices: string[];
  ips: string[];
}

export type IdentityMatch = { field: 'phone' | 'pan' | 'gstin' | 'device' | 'ip'; value: string };

/** A GSTIN carries its holder's PAN (characters 3–12). */
const panOf = (who: Identity): string | null => who.pan ?? who.gstin?.slice(2, 12) ?? null;

/**
 * Where buyer and dealer are the same party: same phone, PAN (stated, or inside a GSTIN), GSTIN, a
 * device fingerprint or a (public) IP. Empty when they share nothing.
 */
export function identityMatches(buyer: Identity, dealer: Identity): IdentityMatch[] {
  const out: IdentityMatch[] = [];
  for (const phone of new Set(buyer.phones))
    if (dealer.phones.includes(phone)) out.push({ field: 'phone', value: phone });
  const pan = panOf(buyer);
  if (pan !== null && pan === panOf(dealer)) out.push({ field: 'pan', value: pan });
  if (buyer.gstin !== null && buyer.gstin === dealer.gstin)
    out.push({ field: 'gstin', value: buyer.gstin });
  for (const d of new Set(buyer.devices))
    if (dealer.devices.includes(d)) out.push({ field: 'device', value: d });
  for (const ip of new Set(buyer.ips.filter(identifiesSomeone)))
    if (dealer.ips.includes(ip)) out.push({ field: 'ip', value: ip });
  return out;
}

export interface RefundLimits {
  maxCount: number;
  maxRatioPercent: number;
  minOrders: number;
}

/**
 * A buyer's refunds within the window: more than maxCount refunds, or refunds on more than
 * maxRatioPercent % of its paid orders once it has at least minOrders of them; why, or null.
 */
export function refundAbuse(
  counts: { refunds: number; refundedOrders: number; paidOrders: number },
  limits: RefundLimits,
): { byCount: boolean; byRatio: boolean } | null {
  const byCount = counts.refunds > limits.maxCount;
  const byRatio =
    counts.paidOrders >= limits.minOrders &&
    counts.refundedOrders * 100 > counts.paidOrders * limits.maxRatioPercent;
  return byCount || byRatio ? { byCount, byRatio } : null;
}

/**
 * A rated repair job whose technician and customer share a device fingerprint or a (public) IP: a
 * rating the technician may have written for themself. The shared values, empty when none.
 */
export function sharedDevices(
  technician: Pick<Identity, 'devices' | 'ips'>,
  customer: Pick<Identity, 'devices' | 'ips'>,
): IdentityMatch[] {
  const none = { phones: [], pan: null, gstin: null };
  return identityMatches({ ...none, ...technician }, { ...none, ...customer });
}
