/**
 * The ledger's read side on a streaming replica (`npm run db -- replica start`, DATABASE_REPLICA_URL):
 * served by the replica once it has replayed the primary, by the primary while it lags past
 * DATABASE_REPLICA_MAX_LAG_MS or is down, and by the primary when a read needs WAL the replica has
 * not replayed (an export's horizon). Each case reads the trial balance through the API and checks
 * both the figure and where it was served from (`db_replica_reads_total`).
 */
import { execFileSync } from 'node:child_process';
import { ReplicaReads } from '../src/database/replica-reads.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { scrapeMetrics } from './support/metrics.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** `npm run db -- …`; its error output in the error when it fails. */
const db = (...args: string[]) => {
  try {
    return execFileSync('bash', ['scripts/db.sh', ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch (err) {
    throw new Error(`db.sh ${args.join(' ')}: ${String((err as { stderr?: string }).stderr)}`, {
      cause: err,
    });
  }
};
const PAYABLE = 'liability:dealer_payable:replica-reads';

describe('the ledger read side on a streaming replica', () => {
  let t: TestApp;
  let finance: SignedIn;
  let replicaPort: string;
  let posted = 0;

  const post = async (paise: number) => {
    const result = await t.app.get(LedgerService).execute({
      type: 'post',
      key: `replica-reads:${posted}:${paise}`,
      lines: [debit('asset:gateway_receivable', BigInt(paise)), credit(PAYABLE, BigInt(paise))],
      meta: { eventType: 'test', reference: 'test:replica', actor: 'system' },
    });
    expect(result.code).toBe('ok');
    posted += paise;
  };
  /** The payable's balance in the trial balance, as finance reads it. */
  const payable = async (): Promise<number | undefined> => {
    const res = await t.api.GET('/ledger/trial-balance', { headers: finance.headers });
    expect(res.response.status).toBe(200);
    return res.data!.groups.flatMap((g) => g.accounts).find((a) => a.code === PAYABLE)
      ?.creditBalance;
  };
  /** Every routing counter (`served_by/reason` → count). */
  const counters = async () => {
    const out = new Map<string, number>();
    for (const m of (await scrapeMetrics(t)).matchAll(
      /^db_replica_reads_total\{served_by="(\w+)",reason="(\w+)"\} (\d+)/gm,
    ))
      out.set(`${m[1]}/${m[2]}`, Number(m[3]));
    return out;
  };
  /** One trial-balance read: the payable's balance and where it was served (`replica/fresh`, …). */
  const read = async () => {
    const before = await counters();
    const balance = await payable();
    const after = await counters();
    const moved = [...after].filter(([k, n]) => n !== (before.get(k) ?? 0)).map(([k]) => k);
    expect(moved).toHaveLength(1);
    return { balance, servedBy: moved[0]! };
  };
  /**
   * Reads until one is served by `where` and shows `balance` (at most 20 s). Within the lag bound the
   * replica may serve a read that misses the last second's commits: it shows them once replayed.
   */
  const readUntil = async (where: string, balance: number) => {
    const seen: unknown[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await read();
      if (r.servedBy === where && r.balance === balance) return;
      seen.push(r);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `no read served by ${where} showed ${balance} in 20 s: ${JSON.stringify(seen.slice(-3))}`,
    );
  };

  beforeAll(async () => {
    db('replica', 'start');
    replicaPort = new URL(db('replica', 'url')).port;
    t = await startTestApp({
      env: { ...QUIET_ENV, DATABASE_REPLICA_MAX_LAG_MS: '1500' },
      envFor: ({ appUrl }) => {
        const url = new URL(appUrl);
        url.port = replicaPort;
        return { DATABASE_REPLICA_URL: url.toString() };
      },
    });
    finance = await signInAs(t, 'finance');
    const ledger = t.app.get(LedgerService);
    for (const code of ['asset:gateway_receivable', PAYABLE])
      expect((await ledger.execute({ type: 'open_account', code })).code).toMatch(/^(ok|exists)$/);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    db('replica', 'stop');
  });

  it('serves the trial balance from the replica once it has replayed the primary', async () => {
    await post(10_000);
    await readUntil('replica/fresh', 10_000);
  });

  it('reads the primary while the replica lags past the bound, and the replica again once it caught up', async () => {
    db('replica', 'psql', '-c', 'SELECT pg_wal_replay_pause()');
    try {
      await post(2_500);
      // The replica still holds 10000; past the bound the read goes to the primary: 12500.
      await readUntil('primary/lagging', 12_500);
    } finally {
      db('replica', 'psql', '-c', 'SELECT pg_wal_replay_resume()');
    }
    await readUntil('replica/fresh', 12_500);
  });

  it('reads the primary when a read needs WAL the replica has not replayed (an export’s horizon)', async () => {
    const before = (await counters()).get('primary/behind_horizon') ?? 0;
    const rows: unknown = await t.app
      .get(ReplicaReads)
      .read((tx) => tx.query('SELECT 1 AS one'), { replayedLsn: 'FFFFFFFF/FFFFFFFF' });
    expect(rows).toEqual([{ one: 1 }]);
    expect((await counters()).get('primary/behind_horizon')).toBe(before + 1);
  });

  it('reads the primary when the replica is down', async () => {
    db('replica', 'stop');
    await post(500);
    expect(await read()).toEqual({ balance: 13_000, servedBy: 'primary/unreachable' });
  });
});
