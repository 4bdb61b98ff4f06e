import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../src/common/project-root.js';
import { createTestDatabase, withClient, type TestDatabase } from './support/test-database.js';

/**
 * The module map (docs/architecture.md): for every folder of `src`, the folders it may import and
 * the tables it owns. The foundation imports only the foundation; a feature imports the foundation
 * and the features below it; entry points (the files at the root of src, `cli/`) may import
 * anything. A new arrow or a new table is a decision: make it here and in the doc.
 */
const FOUNDATION = ['common', 'config', 'database', 'access', 'observability', 'jobs'] as const;

interface ModuleRule {
  /** Folders above the foundation this one may import. */
  readonly imports: readonly string[];
  /** Tables only this module writes (INSERT, UPDATE, DELETE). */
  readonly owns: readonly string[];
}

const MODULES: Record<string, ModuleRule> = {
  // Foundation (may import the foundation only).
  common: { imports: [], owns: [] },
  config: { imports: [], owns: [] },
  database: { imports: [], owns: ['idempotency_keys'] },
  access: { imports: [], owns: [] },
  observability: { imports: [], owns: [] },
  jobs: { imports: [], owns: [] },
  // Adapters and shared services.
  storage: { imports: [], owns: [] },
  notifications: {
    imports: [],
    owns: ['push_tokens', 'notification_preferences', 'push_outbox'],
  },
  anchor: { imports: ['storage'], owns: [] },
  health: { imports: [], owns: [] },
  audit: { imports: ['anchor'], owns: ['audit_events'] },
  approvals: { imports: ['audit'], owns: [] },
  'rate-limit': { imports: ['audit'], owns: [] },
  identity: {
    imports: ['audit', 'notifications', 'rate-limit', 'storage'],
    owns: [
      'users',
      'sessions',
      'refresh_tokens',
      'account_status_history',
      'login_throttle',
      'mfa_challenges',
      'mfa_recovery_codes',
      'one_time_codes',
      'user_totp',
      'kyc_documents',
    ],
  },
  ledger: {
    imports: ['anchor', 'approvals', 'audit'],
    owns: [
      'ledger_accounts',
      'ledger_entries',
      'ledger_lines',
      'ledger_balance_deltas',
      'ledger_seals',
      'ledger_seal_entries',
      'ledger_adjustments',
      'ledger_adjustment_history',
    ],
  },
  // Features.
  catalog: {
    imports: ['audit', 'rate-limit', 'storage'],
    owns: [
      'listings',
      'listing_images',
      'listing_price_history',
      'listing_status_history',
      'stock_movements',
      'catalog_words',
    ],
  },
  orders: {
    imports: ['audit', 'catalog', 'identity', 'ledger', 'rate-limit'],
    owns: [
      'orders',
      'sub_orders',
      'order_lines',
      'sub_order_history',
      'cart_items',
      'delivery_rules',
    ],
  },
  repairs: {
    imports: ['audit', 'identity', 'rate-limit', 'storage', 'technicians'],
    owns: [
      'repair_jobs',
      'repair_job_history',
      'repair_quotes',
      'repair_job_media',
      'repair_job_completed_counts',
    ],
  },
  technicians: {
    imports: ['audit', 'identity', 'rate-limit'],
    owns: ['technician_presence', 'technician_location_fixes', 'technician_location_reviews'],
  },
  ratings: {
    imports: ['audit', 'fraud', 'identity', 'repairs'],
    owns: ['job_reviews', 'job_review_history', 'job_review_star_counts'],
  },
  matching: {
    imports: ['rate-limit', 'ratings', 'repairs', 'technicians'],
    owns: ['repair_offers', 'repair_offer_answer_days'],
  },
  calls: {
    imports: ['audit', 'identity', 'notifications', 'repairs'],
    owns: ['calls', 'call_history', 'call_participants', 'livekit_webhook_events'],
  },
  remote: {
    imports: ['audit', 'identity', 'repairs'],
    owns: [
      'remote_consents',
      'repair_job_imeis',
      'remote_sessions',
      'remote_session_history',
      'remote_agent_tokens',
      'remote_session_events',
      'remote_session_activity',
      'remote_revocations',
    ],
  },
  'push-triggers': { imports: ['matching', 'notifications', 'orders', 'repairs'], owns: [] },
  gateway: { imports: [], owns: ['webhook_inbox', 'webhook_inbox_history'] },
  payments: {
    imports: ['gateway', 'ledger', 'orders', 'rate-limit', 'repairs'],
    owns: [
      'payments',
      'payment_history',
      'refunds',
      'refund_history',
      'escrow_holds',
      'escrow_hold_history',
      'escrow_transfer_history',
      'payment_requests',
      'payment_request_history',
    ],
  },
  payouts: {
    imports: [
      'approvals',
      'audit',
      'catalog',
      'gateway',
      'identity',
      'ledger',
      'orders',
      'payments',
      'technicians',
    ],
    owns: [
      'payee_route_accounts',
      'payee_route_account_history',
      'payee_settlement_details',
      'payee_settlement_detail_history',
      'commission_rules',
      'commission_invoices',
      'commission_invoice_counters',
      'commission_credit_notes',
      'commission_credit_note_counters',
    ],
  },
  escrow: {
    imports: [
      'approvals',
      'audit',
      'identity',
      'ledger',
      'orders',
      'payments',
      'payouts',
      'repairs',
    ],
    owns: [
      'escrow_manual_holds',
      'escrow_early_releases',
      'escrow_early_release_history',
      'tcs_corrections',
      'tcs_correction_items',
      'tcs_correction_history',
    ],
  },
  disputes: {
    imports: [
      'audit',
      'catalog',
      'escrow',
      'orders',
      'payments',
      'rate-limit',
      'repairs',
      'storage',
    ],
    owns: ['disputes', 'dispute_evidence', 'dispute_history'],
  },
  reconciliation: {
    imports: ['audit', 'escrow', 'gateway', 'ledger', 'payments'],
    owns: [
      'reconciliation_runs',
      'reconciliation_run_history',
      'reconciliation_exceptions',
      'reconciliation_exception_history',
      'payment_alerts',
      'payment_alert_history',
    ],
  },
  returns: {
    imports: ['audit', 'ledger'],
    owns: ['return_periods', 'tax_payments'],
  },
  fraud: {
    imports: ['audit', 'escrow', 'orders', 'reconciliation'],
    owns: [
      'fraud_order_signals',
      'fraud_order_holds',
      'fraud_hold_history',
      'fraud_alerts',
      'fraud_alert_history',
    ],
  },
  chat: {
    imports: ['audit', 'calls', 'disputes', 'identity', 'notifications', 'rate-limit', 'storage'],
    owns: [
      'chat_rooms',
      'chat_messages',
      'chat_receipts',
      'chat_reports',
      'chat_report_resolutions',
    ],
  },
  cli: { imports: ['*'], owns: [] },
};

/**
 * The money paths (payments, escrow, payouts, disputes) read another module's tables only through
 * that module's exported functions; finance read models (`views/`) may join what they report on.
 * Reads still to move behind their owner are listed here; the list only shrinks.
 */
const MONEY_PATHS = ['payments', 'escrow', 'payouts', 'disputes'];
const READS_TO_MOVE: readonly string[] = [
  'disputes -> escrow_holds (disputes/commands/resolve-dispute.handler.ts)',
  'escrow -> commission_invoices (escrow/refund-after-release-posting.ts)',
  'escrow -> escrow_holds (escrow/commands/approve-tcs-correction.handler.ts)',
  'escrow -> escrow_holds (escrow/commands/propose-tcs-correction.handler.ts)',
  'escrow -> escrow_holds (escrow/commands/release-escrow.steps.ts)',
  'escrow -> escrow_holds (escrow/controls/escrow-controls-store.ts)',
  'escrow -> escrow_holds (escrow/escrow-release.service.ts)',
  'escrow -> escrow_holds (escrow/refund-after-release-posting.ts)',
  'escrow -> refunds (escrow/refund-after-release-posting.ts)',
  'escrow -> repair_jobs (escrow/escrow-release.service.ts)',
  'escrow -> sub_orders (escrow/escrow-release.service.ts)',
  'payouts -> escrow_holds (payouts/commands/release-transfer.handler.ts)',
  'payouts -> escrow_holds (payouts/commands/transfer-hold.steps.ts)',
  'payouts -> escrow_holds (payouts/route/route-accounts.service.ts)',
  'payouts -> escrow_holds (payouts/route/route-transfers.service.ts)',
  'payouts -> escrow_holds (payouts/transfer-retry/transfer-retry.service.ts)',
  'payouts -> payments (payouts/commands/transfer-hold.steps.ts)',
  'payouts -> users (payouts/commission/commission.service.ts)',
  'payouts -> users (payouts/route/route-accounts.service.ts)',
  'payouts -> users (payouts/route/seed-route.command.ts)',
];

const src = join(projectRoot(), 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

function folders(): string[] {
  return readdirSync(src, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The tables of the migrated schema (public; TypeORM's migration log and PostGIS's reference table aside). */
async function schemaTables(db: TestDatabase): Promise<string[]> {
  return withClient(db.ownerUrl, async (c) => {
    const { rows } = await c.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables
        WHERE schemaname = 'public' AND tablename NOT IN ('typeorm_migrations', 'spatial_ref_sys')
        ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  });
}

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('module map', () => {
  it('lists every folder of src', () => {
    expect(folders()).toEqual(Object.keys(MODULES).sort());
  });

  it('every import follows the map (the foundation imports only the foundation)', () => {
    const arrows: string[] = [];
    for (const folder of folders()) {
      const allowed = MODULES[folder]!.imports;
      if (allowed.includes('*')) continue;
      for (const file of sourceFiles(join(src, folder))) {
        const text = readFileSync(file, 'utf8');
        for (const [, spec] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = relative(src, resolve(dirname(file), spec!));
          const top = target.split('/')[0]!;
          if (top === folder || (FOUNDATION as readonly string[]).includes(top)) continue;
          if (top === '..' && target.startsWith('../migrations/')) continue;
          // The signed contract with the tunnel (docs/remote-tunnel.md) is shared code of both halves.
          if (folder === 'remote' && target.startsWith('../tunnel/protocol/')) continue;
          if (!allowed.includes(top)) arrows.push(`${relative(src, file)} -> ${target}`);
        }
      }
    }
    expect(arrows).toEqual([]);
  });

  it('no foundation folder imports outside the foundation', () => {
    for (const folder of FOUNDATION) expect(MODULES[folder]!.imports).toEqual([]);
  });

  it('every table has one owner', async () => {
    const owners = new Map<string, string[]>();
    for (const [folder, rule] of Object.entries(MODULES))
      for (const t of rule.owns) owners.set(t, [...(owners.get(t) ?? []), folder]);
    const tables = await schemaTables(db);
    expect(tables.filter((t) => owners.get(t)?.length !== 1)).toEqual([]);
    expect([...owners.keys()].filter((t) => !tables.includes(t))).toEqual([]);
  });

  it('a module writes only its own tables', () => {
    const owner = new Map<string, string>();
    for (const [folder, rule] of Object.entries(MODULES))
      for (const t of rule.owns) owner.set(t, folder);
    const writes = new Set<string>();
    for (const folder of folders()) {
      if (folder === 'cli') continue;
      for (const file of sourceFiles(join(src, folder))) {
        const text = readFileSync(file, 'utf8');
        for (const [, table] of text.matchAll(
          /\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+([a-z_]+)/g,
        )) {
          const o = owner.get(table!);
          if (o !== undefined && o !== folder)
            writes.add(`${folder} -> ${table} (${relative(src, file)})`);
        }
      }
    }
    expect([...writes].sort()).toEqual([]);
  });

  it('the money paths read only their own tables (finance views aside; the reads still to move only shrink)', () => {
    const owner = new Map<string, string>();
    for (const [folder, rule] of Object.entries(MODULES))
      for (const t of rule.owns) owner.set(t, folder);
    const reads = new Set<string>();
    for (const folder of MONEY_PATHS)
      for (const file of sourceFiles(join(src, folder))) {
        const path = relative(src, file);
        if (path.includes('/views/')) continue;
        for (const [, table] of readFileSync(file, 'utf8').matchAll(
          /\b(?:FROM|JOIN)\s+([a-z_]+)/g,
        )) {
          const o = owner.get(table!);
          if (o !== undefined && o !== folder) reads.add(`${folder} -> ${table} (${path})`);
        }
      }
    expect([...reads].sort()).toEqual([...READS_TO_MOVE].sort());
  });
});
