/**
 * The fraud rules at work (README "Fraud checks"):
 * - at checkout (the orders' `OrderChecks`, in the checkout's transaction): the order's signals are
 *   recorded (buyer, hashed device fingerprint, IP, total); a dealer buying its own listings
 *   (`self_dealing`) refuses the checkout, the alert written after the rollback; order velocity per
 *   buyer, device and IP (`order_velocity`) and new accounts' high-value orders
 *   (`new_account_high_value`) hold the order for review;
 * - a held order cannot be accepted, packed or shipped (the orders' fulfilment gate) until staff
 *   clear it (src/fraud/fraud-review.service.ts);
 * - the `fraud.refund-scan` job (every minute) alerts on refund abuse per buyer (`refund_abuse`);
 * - `onRatingSubmitted`, called by the ratings as a review is stored: technician and customer
 *   sharing a device or IP (`shared_device_rating`).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { canonicalIp } from '../audit/domain/canonical-ip.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { CheckoutRefused, OrderChecks, type PlacedOrder } from '../orders/order-checks.js';
import {
  identifiesSomeone,
  identityMatches,
  newAccountHit,
  refundAbuse,
  sharedDevices,
  velocityHits,
  type IdentityMatch,
  type VelocityCount,
} from './domain/fraud-rules.js';
import { identitiesOf, insertAlerts, type NewAlert } from './fraud-store.js';

export const FRAUD_JOBS = { refundScan: 'fraud.refund-scan' } as const;

/** Refunds a buyer caused: its own cancellations, cancelled lines, returns and disputes. */
const BUYER_REFUNDS = `
  SELECT o.buyer_id, r.id, r.order_id FROM refunds r JOIN orders o ON o.id = r.order_id
  WHERE r.status <> 'failed' AND r.sub_order_id IS NOT NULL
    AND r.requested_at > now() - make_interval(days => $1)
    AND (r.kind <> 'cancellation' OR EXISTS (
      SELECT 1 FROM sub_order_history h
      WHERE h.sub_order_id = r.sub_order_id AND h.event = 'cancel' AND h.actor_id = o.buyer_id))
    -- counted again only after the buyer's last refund_abuse alert was resolved
    AND r.requested_at > coalesce((SELECT max(a.resolved_at) FROM fraud_alerts a
      WHERE a.rule = 'refund_abuse' AND a.account_id = o.buyer_id), '-infinity')`;

@Injectable()
export class FraudChecks implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly orderChecks: OrderChecks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.orderChecks.onCheckout((tx, order, meta) => this.checkOrder(tx, order, meta));
    this.orderChecks.onFulfilment((tx, orderId) => this.holdOf(tx, orderId));
    this.jobs.define({
      name: FRAUD_JOBS.refundScan,
      cron: '* * * * *',
      queue: { retryLimit: 0 },
      handler: () => this.scanRefunds(),
    });
  }

  /**
   * Checkout's check: refuse self-dealing, record the signals (also with the checks off, so order
   * counts stay right), hold for velocity or a new account.
   */
  async checkOrder(tx: EntityManager, order: PlacedOrder, meta: RequestMeta): Promise<void> {
    const ip = canonicalIp(meta.ip);
    const device = meta.deviceFingerprint;
    const { enabled } = this.config.fraud;
    if (enabled) await this.refuseSelfDealing(tx, order, meta, device, ip);
    await execute(
      tx,
      `INSERT INTO fraud_order_signals (order_id, buyer_id, device_fingerprint, ip, total_paise)
       VALUES ($1, $2, $3, $4, $5)`,
      [order.orderId, order.buyerId, device, identifiesSomeone(ip) ? ip : null, order.totalPaise],
    );
    if (!enabled) return;
    const alerts = [
      ...(await this.velocity(tx, order, device, ip)),
      ...(await this.newAccount(tx, order)),
    ];
    if (alerts.length === 0) return;
    await execute(tx, `INSERT INTO fraud_order_holds (order_id) VALUES ($1)`, [order.orderId]);
    await insertAlerts(tx, alerts);
  }

  /** 409 `order/held-for-review` while the order is held. */
  async holdOf(tx: EntityManager, orderId: string): Promise<AppProblem | null> {
    const { rows } = await execute(
      tx,
      `SELECT 1 FROM fraud_order_holds WHERE order_id = $1 AND status = 'held'`,
      [orderId],
    );
    return rows.length === 0
      ? null
      : new AppProblem(
          409,
          'order/held-for-review',
          'Held for review',
          'This order is held for a fraud review: it cannot be accepted, packed or shipped until staff clear it',
          { orderId },
        );
  }

  private async refuseSelfDealing(
    tx: EntityManager,
    order: PlacedOrder,
    meta: RequestMeta,
    device: string | null,
    ip: string | null,
  ): Promise<void> {
    const ids = await identitiesOf(
      tx,
      [order.buyerId, ...order.dealerIds],
      this.config.fraud.selfDealingLookbackDays,
    );
    const buyer = ids.get(order.buyerId)!;
    buyer.phones.push(order.shippingPhone);
    buyer.devices.push(...(device === null ? [] : [device]));
    buyer.ips.push(...(ip === null ? [] : [ip]));
    const hits = order.dealerIds.flatMap((dealerId) => {
      const matches = identityMatches(buyer, ids.get(dealerId)!);
      return matches.length === 0 ? [] : [{ dealerId, matches }];
    });
    if (hits.length === 0) return;
    const alerts: NewAlert[] = hits.map((h) => ({
      rule: 'self_dealing',
      action: 'blocked',
      accountId: order.buyerId,
      counterpartyId: h.dealerId,
      evidence: {
        matches: h.matches,
        dealerId: h.dealerId,
        totalPaise: order.totalPaise,
        requestId: meta.requestId,
      },
    }));
    throw new CheckoutRefused(
      new AppProblem(
        403,
        'order/self-dealing',
        'Buying from a linked dealer',
        'This cart buys from a dealer account linked to yours (the same phone, PAN or GSTIN, device or network): dealers may not buy their own listings. Remove those parts; staff have been alerted.',
        { dealerIds: hits.map((h) => h.dealerId) },
      ),
      async (recordTx) => {
        await insertAlerts(recordTx, alerts);
      },
    );
  }

  private async velocity(
    tx: EntityManager,
    order: PlacedOrder,
    device: string | null,
    ip: string | null,
  ): Promise<NewAlert[]> {
    const v = this.config.fraud.velocity;
    const { rows } = await execute<{ key: VelocityCount['key']; orders: number; amount: string }>(
      tx,
      `SELECT k.key, count(*)::int AS orders, coalesce(sum(s.total_paise), 0)::text AS amount
       FROM (VALUES ('buyer'), ('device'), ('ip')) AS k(key)
       JOIN fraud_order_signals s ON s.created_at > now() - make_interval(mins => $4)
         AND CASE k.key WHEN 'buyer' THEN s.buyer_id = $1
                        WHEN 'device' THEN s.device_fingerprint = $2
                        ELSE s.ip = $3::inet END
       GROUP BY k.key`,
      [order.buyerId, device, identifiesSomeone(ip) ? ip : null, v.windowMinutes],
    );
    const hits = velocityHits(
      rows.map((r) => ({ key: r.key, orders: r.orders, amountPaise: Number(r.amount) })),
      v,
    );
    if (hits.length === 0) return [];
    return [
      {
        rule: 'order_velocity',
        action: 'held',
        accountId: order.buyerId,
        orderId: order.orderId,
        evidence: {
          windowMinutes: v.windowMinutes,
          hits: hits.map((h) => ({
            ...h,
            value: h.key === 'buyer' ? order.buyerId : h.key === 'device' ? device : ip,
          })),
          totalPaise: order.totalPaise,
        },
      },
    ];
  }

  private async newAccount(tx: EntityManager, order: PlacedOrder): Promise<NewAlert[]> {
    const limits = this.config.fraud.newAccount;
    const { rows } = await execute<{ age: number; n: number }>(
      tx,
      `SELECT extract(epoch FROM now() - u.created_at)::float8 AS age,
              (SELECT count(*)::int FROM fraud_order_signals s WHERE s.buyer_id = u.id) AS n
       FROM users u WHERE u.id = $1`,
      [order.buyerId],
    );
    const account = rows[0]!;
    const hit = newAccountHit(
      { totalPaise: order.totalPaise, accountAgeSeconds: account.age, orderNumber: account.n },
      limits,
    );
    if (hit === null) return [];
    return [
      {
        rule: 'new_account_high_value',
        action: 'held',
        accountId: order.buyerId,
        orderId: order.orderId,
        evidence: {
          ...hit,
          accountAgeDays: Math.floor(account.age / 86_400),
          orderNumber: account.n,
          totalPaise: order.totalPaise,
          limits,
        },
      },
    ];
  }

  /** Opens a `refund_abuse` alert for each buyer over the limits without one open; returns how many. */
  async scanRefunds(): Promise<number> {
    if (!this.config.fraud.enabled) return 0;
    const r = this.config.fraud.refunds;
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        buyer_id: string;
        refunds: number;
        refunded_orders: number;
        paid_orders: number;
        refund_ids: string[];
      }>(
        tx,
        `WITH r AS (${BUYER_REFUNDS})
         SELECT r.buyer_id::text AS buyer_id, count(*)::int AS refunds,
                count(DISTINCT r.order_id)::int AS refunded_orders,
                array_agg(r.id::text ORDER BY r.id) AS refund_ids,
                (SELECT count(DISTINCT p.order_id)::int FROM payments p
                 WHERE p.buyer_id = r.buyer_id AND p.status = 'captured'
                   AND p.created_at > now() - make_interval(days => $1)) AS paid_orders
         FROM r
         WHERE NOT EXISTS (SELECT 1 FROM fraud_alerts a
           WHERE a.rule = 'refund_abuse' AND a.account_id = r.buyer_id AND a.resolved_at IS NULL)
         GROUP BY r.buyer_id`,
        [r.windowDays],
      );
      const alerts = rows.flatMap((row): NewAlert[] => {
        const counts = {
          refunds: row.refunds,
          refundedOrders: row.refunded_orders,
          paidOrders: row.paid_orders,
        };
        const hit = refundAbuse(counts, r);
        return hit === null
          ? []
          : [
              {
                rule: 'refund_abuse',
                action: 'alerted',
                accountId: row.buyer_id,
                evidence: { ...hit, ...counts, refundIds: row.refund_ids, limits: r },
              },
            ];
      });
      return insertAlerts(tx, alerts);
    });
  }

  /**
   * For the repair jobs' ratings (not built yet): call in the transaction that stores a rating. A
   * technician and customer who share a device fingerprint or public IP (their sessions within the
   * lookback) raise a `shared_device_rating` alert; the rating itself is not refused. Returns the
   * shared values.
   */
  async onRatingSubmitted(
    tx: EntityManager,
    rating: { ratingId: string; jobId: string; technicianId: string; customerId: string },
  ): Promise<IdentityMatch[]> {
    if (!this.config.fraud.enabled) return [];
    const ids = await identitiesOf(
      tx,
      [rating.technicianId, rating.customerId],
      this.config.fraud.selfDealingLookbackDays,
    );
    const shared = sharedDevices(ids.get(rating.technicianId)!, ids.get(rating.customerId)!);
    if (shared.length > 0)
      await insertAlerts(tx, [
        {
          rule: 'shared_device_rating',
          action: 'alerted',
          accountId: rating.customerId,
          counterpartyId: rating.technicianId,
          evidence: { ...rating, matches: shared },
        },
      ]);
    return shared;
  }
}
