/** The fraud module's SQL: signals, identities, holds and alerts. */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import type { FraudRule, Identity } from './domain/fraud-rules.js';

export interface NewAlert {
  rule: FraudRule;
  action: 'held' | 'blocked' | 'alerted';
  accountId: string;
  counterpartyId?: string | null;
  orderId?: string | null;
  evidence: Record<string, unknown>;
}

/** Inserts alerts; one per order and rule (a repeat is skipped), one open refund_abuse per buyer. */
export async function insertAlerts(tx: EntityManager, alerts: NewAlert[]): Promise<number> {
  if (alerts.length === 0) return 0;
  const { affected } = await execute(
    tx,
    `INSERT INTO fraud_alerts (rule, action, account_id, counterparty_id, order_id, evidence)
     SELECT rule, action, account_id, counterparty_id, order_id, evidence
     FROM jsonb_to_recordset($1::jsonb) AS x(rule text, action text, account_id uuid,
       counterparty_id uuid, order_id uuid, evidence jsonb)
     ON CONFLICT DO NOTHING`,
    [
      JSON.stringify(
        alerts.map((a) => ({
          rule: a.rule,
          action: a.action,
          account_id: a.accountId,
          counterparty_id: a.counterpartyId ?? null,
          order_id: a.orderId ?? null,
          evidence: a.evidence,
        })),
      ),
    ],
  );
  return affected;
}

/**
 * Accounts' identities: phone, PAN, GSTIN, and the device fingerprints (hashed) and IPs of their
 * sessions used within `lookbackDays`.
 */
export async function identitiesOf(
  tx: EntityManager,
  userIds: string[],
  lookbackDays: number,
): Promise<Map<string, Identity>> {
  const { rows } = await execute<{
    id: string;
    phone: string | null;
    pan: string | null;
    gstin: string | null;
    devices: string[];
    ips: string[];
  }>(
    tx,
    `SELECT u.id::text AS id, u.phone, u.pan, u.gstin,
       coalesce(array_agg(DISTINCT s.device_fingerprint_hash)
         FILTER (WHERE s.device_fingerprint_hash IS NOT NULL), '{}') AS devices,
       coalesce(array_agg(DISTINCT host(s.ip)) FILTER (WHERE s.ip IS NOT NULL), '{}') AS ips
     FROM users u
     LEFT JOIN sessions s ON s.user_id = u.id AND s.last_used_at > now() - make_interval(days => $2)
     WHERE u.id = ANY($1::uuid[]) GROUP BY u.id`,
    [userIds, lookbackDays],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        phones: r.phone === null ? [] : [r.phone],
        pan: r.pan,
        gstin: r.gstin,
        devices: r.devices,
        ips: r.ips,
      },
    ]),
  );
}
