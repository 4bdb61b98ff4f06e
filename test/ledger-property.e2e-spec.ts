/**
 * Model-based property test of the PostgreSQL ledger (issue #4): random sequences of account openings,
 * postings (incl. manual adjustments and invalid ones), holds, full/partial/explicit-line posts of
 * holds, voids, expiries (explicit, and by advancing a controllable ledger clock and running what the
 * expiry job runs), reversals (valid and invalid targets), replays of earlier commands with the same
 * and a different input, all-or-nothing batches, commands submitted together (group-committed: one
 * transaction, a savepoint each) and balance-delta roll-ups. Each command runs on
 * LedgerService and on the in-memory LedgerModel; after every step the result codes, every account's
 * counters and the stored journal must equal the model's, every entry must balance, no flagged account
 * may break its constraint and the trial balance must be zero. After each run the whole journal must
 * replay to the stored counters and verify (LedgerIntegrityService).
 *
 * A run uses either the test clock (time moves only when a step says so: deterministic expiries) or
 * the production database clock, with which posts and holds take the service's hot path.
 *
 * Runs share one database: each run uses account and entry keys of its own (a unique prefix) and its
 * model starts empty; the hot accounts without a placeholder (gateway receivable, commission…) are
 * shared, so their expected counters are the run's starting counters plus the model's.
 *
 * A failure reports fast-check's seed and path, the shrunk steps, and the concrete commands with the
 * ledger's results up to the failing step. Environment: LEDGER_PROPERTY_RUNS (default 25),
 * LEDGER_PROPERTY_STEPS (default 40), LEDGER_PROPERTY_SEED and LEDGER_PROPERTY_PATH (replay a
 * reported failure), LEDGER_PROPERTY_BUDGET_MS (default 240000: runs and shrinking past it are
 * skipped), LEDGER_PROPERTY_STATS=1 (print the result codes seen).
 */
import fc from 'fast-check';
import pg from 'pg';
import {
  type Account,
  addCounters,
  checkConstraints,
  type Counters,
  ZERO_COUNTERS,
} from '../src/ledger/domain/account.js';
import {
  type Line,
  MAX_TIMEOUT_SECONDS,
  proportionalPostLines,
  totalDebits,
} from '../src/ledger/domain/journal.js';
import {
  type EntryMeta,
  type LedgerCommand,
  LedgerModel,
  type LedgerResult,
  trialBalanceOf,
} from '../src/ledger/domain/ledger-model.js';
import { MAX_PAISE, splitLargestRemainder } from '../src/ledger/domain/money.js';
import { manualAdjustment } from '../src/ledger/domain/recipes.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerClock } from '../src/ledger/persistence/ledger-clock.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { MetricsService } from '../src/observability/metrics.service.js';
import { type LedgerApp, startLedgerOn } from './support/ledger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 25);
const MAX_STEPS = Number(process.env.LEDGER_PROPERTY_STEPS ?? 40);
const BUDGET_MS = Number(process.env.LEDGER_PROPERTY_BUDGET_MS ?? 240_000);
const SEED = process.env.LEDGER_PROPERTY_SEED;
const PATH = process.env.LEDGER_PROPERTY_PATH;
const STATS = process.env.LEDGER_PROPERTY_STATS === '1';

/** Result codes seen, by command type (printed with LEDGER_PROPERTY_STATS=1, to tune the generators). */
const seen = new Map<string, number>();

/** The ledger's "now", moved only by the test (so hold deadlines and expiries are deterministic). */
class TestClock extends LedgerClock {
  nowMs = Date.UTC(2026, 0, 1);
  now(): Promise<number> {
    return Promise.resolve(this.nowMs);
  }
}

/**
 * How a run tells time. With the test clock (`databaseTime: false`) the test moves time and expiries
 * are exercised; with the production clock (database time) the service takes its hot path for posts
 * and holds, and hold timeouts are kept beyond the run (the model then uses the wall clock).
 */
interface RunTime {
  readonly databaseTime: boolean;
  now(): number;
  advance(seconds: number): void;
}

function testTime(clock: TestClock): RunTime {
  return {
    databaseTime: false,
    now: () => clock.nowMs,
    advance: (seconds) => {
      clock.nowMs += seconds * 1000;
    },
  };
}

const DATABASE_TIME: RunTime = {
  databaseTime: true,
  now: () => Date.now(),
  advance: () => undefined,
};

// ---------------------------------------------------------------------------------------------
// Abstract steps (what fast-check generates and shrinks) and the accounts of one run
// ---------------------------------------------------------------------------------------------

/** Hot accounts without a placeholder: the same rows in every run, none has a floor. */
const SHARED = [
  'asset:gateway_receivable',
  'revenue:commission',
  'liability:tax:gst_output',
  'expense:goodwill',
  'equity:capital',
] as const;

/** The accounts one run may name (codes unique to the run, except the shared ones). */
function accountsOf(prefix: string) {
  const floored = [
    `liability:escrow:order:${prefix}o1`,
    `liability:escrow:job:${prefix}j1`,
    `liability:dealer_payable:${prefix}d1`,
    `liability:technician_payable:${prefix}t1`,
    `asset:bank:${prefix}b1`,
  ];
  return {
    floored,
    /** Accounts lines may name: floored, shared, and one valid code that is never opened. */
    lineAccounts: [...floored, ...SHARED, `liability:escrow:order:${prefix}ghost`],
    /** Codes an open step may open: the floored ones and one invalid code. */
    openable: [...floored, 'liability:escrow:order:not/valid'],
  };
}

/** How a generated line set is spoiled (or, for `explicit_inr`, varied while staying valid). */
type Defect =
  | 'none'
  | 'explicit_inr'
  | 'unbalanced'
  | 'zero'
  | 'negative'
  | 'single'
  | 'currency'
  | 'bad_code'
  | 'too_large';

interface LinesSpec {
  readonly debits: readonly { account: number; amount: bigint }[];
  readonly credits: readonly { account: number; weight: number }[];
  readonly defect: Defect;
}

type PostMode = 'full' | 'amount' | 'lines' | 'bad_lines' | 'both';

type LeafStep =
  | { t: 'open'; slot: number }
  | { t: 'post'; lines: LinesSpec; adjustment: boolean }
  | { t: 'hold'; lines: LinesSpec; timeoutSeconds: number }
  | { t: 'post_pending'; target: number; mode: PostMode; permille: number }
  | { t: 'void'; target: number }
  | { t: 'expire'; target: number }
  | { t: 'reverse'; target: number }
  | { t: 'duplicate'; target: number; sameInput: boolean };

type Step =
  | LeafStep
  | { t: 'advance'; seconds: number }
  | { t: 'batch'; steps: LeafStep[] }
  | { t: 'together'; steps: LeafStep[] }
  | { t: 'rollup' };

type EntryCommand = Exclude<LedgerCommand, { type: 'batch' } | { type: 'open_account' }>;

interface RunInput {
  /** The production clock (hot path for posts and holds) instead of the test clock. */
  readonly databaseTime: boolean;
  /** The floored account not opened before the first step, if any (an index into `floored`). */
  readonly initiallyClosed: number | null;
  readonly steps: Step[];
}

const index = fc.nat({ max: 1000 });

/**
 * Line slots: 0–4 floored accounts, 5–9 shared hot accounts, 10 the never-opened one. Lines debit
 * mostly hot accounts and credit mostly floored ones, so that many postings succeed; holds more so.
 */
const FLOORED_SLOT = fc.nat({ max: 4 });
const SHARED_SLOT = fc.integer({ min: 5, max: 9 });
const GHOST_SLOT = fc.constant(10);

function slotArb(
  floored: number,
  shared: number,
  flooredSlot: fc.Arbitrary<number> = FLOORED_SLOT,
): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: floored, arbitrary: flooredSlot },
    { weight: shared, arbitrary: SHARED_SLOT },
    { weight: 1, arbitrary: GHOST_SLOT },
  );
}

const linesArb = (debit: fc.Arbitrary<number>, credit: fc.Arbitrary<number>) =>
  fc.record<LinesSpec>({
    debits: fc.array(fc.record({ account: debit, amount: fc.bigInt({ min: 1n, max: 50_000n }) }), {
      minLength: 1,
      maxLength: 2,
    }),
    credits: fc.array(fc.record({ account: credit, weight: fc.integer({ min: 1, max: 5 }) }), {
      minLength: 1,
      maxLength: 2,
    }),
    defect: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Defect>('none') },
      {
        weight: 3,
        arbitrary: fc.constantFrom<Defect>(
          'explicit_inr',
          'unbalanced',
          'zero',
          'negative',
          'single',
          'currency',
          'bad_code',
          'too_large',
        ),
      },
    ),
  });

const timeoutArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(0, 1, 30, 60, 600, 3600, 86_400) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, MAX_TIMEOUT_SECONDS + 1) },
);

const leafStepArb: fc.Arbitrary<LeafStep> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('open' as const), slot: fc.nat({ max: 5 }) }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      t: fc.constant('post' as const),
      lines: linesArb(slotArb(20, 40), slotArb(40, 20)),
      adjustment: fc.boolean(),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('hold' as const),
      // Holds credit liabilities (escrow, payables), not the bank: a hold rarely breaks a floor.
      lines: linesArb(slotArb(4, 60), slotArb(60, 4, fc.nat({ max: 3 }))),
      timeoutSeconds: timeoutArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('post_pending' as const),
      target: index,
      mode: fc.constantFrom<PostMode>('full', 'amount', 'amount', 'lines', 'bad_lines', 'both'),
      permille: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 1, max: 1000 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 1001, 2000) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('void' as const), target: index }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('expire' as const), target: index }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('reverse' as const), target: index }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('duplicate' as const),
      target: index,
      sameInput: fc.boolean(),
    }),
  },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 29, arbitrary: leafStepArb },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      seconds: fc.constantFrom(1, 29, 30, 61, 600, 3600, 90_000),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('batch' as const),
      steps: fc.array(leafStepArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('together' as const),
      steps: fc.array(leafStepArb, { minLength: 2, maxLength: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'rollup' as const }) },
);

const runArb: fc.Arbitrary<RunInput> = fc.record({
  databaseTime: fc.boolean(),
  initiallyClosed: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.nat({ max: 4 }) },
  ),
  steps: fc.array(stepArb, { minLength: Math.min(10, MAX_STEPS), maxLength: MAX_STEPS }),
});

// ---------------------------------------------------------------------------------------------
// One run: translate steps into commands, apply to model and database, compare
// ---------------------------------------------------------------------------------------------

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function sameCounters(a: Counters, b: Counters): boolean {
  return (
    a.debitsPosted === b.debitsPosted &&
    a.creditsPosted === b.creditsPosted &&
    a.debitsPending === b.debitsPending &&
    a.creditsPending === b.creditsPending
  );
}

function countersOf(a: Counters): Counters {
  return {
    debitsPosted: a.debitsPosted,
    creditsPosted: a.creditsPosted,
    debitsPending: a.debitsPending,
    creditsPending: a.creditsPending,
  };
}

class Mismatch extends Error {}

function check(ok: boolean, what: string, detail: () => unknown): void {
  if (!ok) throw new Mismatch(`${what}: ${json(detail())}`);
}

interface StoredEntryRow {
  id: string;
  kind: string;
  pending_id: string | null;
  reversal_of: string | null;
  lines: [string, string, string][];
}

class Run {
  private readonly model = new LedgerModel();
  private readonly accounts: ReturnType<typeof accountsOf>;
  private keyCounter = 0;
  /** Keys of every hold command built (executed or not), with their lines. */
  private readonly holds: { key: string; lines: readonly Line[] }[] = [];
  /** Every entry command built (top level and inside batches), for duplicate steps. */
  private readonly history: EntryCommand[] = [];
  /** Keys built for the batch being assembled (not in the model yet, but nameable by later members). */
  private readonly inBatch = new Set<string>();
  private baseline = new Map<string, Counters>();
  /** The journal's last seq before this run: the run's entries come after it (runs are sequential). */
  private startSeq = '0';
  readonly log: string[] = [];
  private readonly meta: EntryMeta;

  constructor(
    private readonly prefix: string,
    private readonly ledger: LedgerService,
    private readonly time: RunTime,
    private readonly sql: pg.Client,
    private readonly integrity: LedgerIntegrityService,
  ) {
    this.accounts = accountsOf(prefix);
    this.meta = { eventType: 'property_test', reference: `run:${prefix}`, actor: 'property' };
  }

  private newKey(): string {
    this.keyCounter += 1;
    return `${this.prefix}/k${this.keyCounter}`;
  }

  async start(initiallyClosed: number | null): Promise<void> {
    this.log.push(this.time.databaseTime ? 'clock: database time' : 'clock: test clock');
    // Shared accounts exist for the model from the start (the database may have them from a previous run).
    for (const code of SHARED) {
      const r = await this.ledger.execute({ type: 'open_account', code });
      check(r.code === 'ok', `open shared ${code}`, () => r);
      this.model.apply({ type: 'open_account', code }, this.time.now());
    }
    // Fold earlier runs' balance deltas, so reading balances stays cheap however many runs there are.
    await this.ledger.rollUpBalanceDeltas();
    const { rows } = await this.sql.query<{ seq: string }>(
      `SELECT coalesce(max(seq), 0)::text AS seq FROM ledger_entries`,
    );
    this.startSeq = rows[0].seq;
    const before = await this.ledger.accounts();
    this.baseline = new Map(
      before
        .filter((a) => (SHARED as readonly string[]).includes(a.code))
        .map((a) => [a.code, countersOf(a)]),
    );
    for (const [i, code] of this.accounts.floored.entries()) {
      if (i !== initiallyClosed) await this.execute({ type: 'open_account', code });
    }
    await this.verify();
  }

  private linesOf(spec: LinesSpec): Line[] {
    const acct = (i: number) => this.accounts.lineAccounts[i % this.accounts.lineAccounts.length];
    const debits = spec.debits.map((d) => ({
      account: acct(d.account),
      side: 'debit' as const,
      amountPaise: d.amount,
    }));
    const total = debits.reduce((s, d) => s + d.amountPaise, 0n);
    const parts = splitLargestRemainder(
      total,
      spec.credits.map((c) => BigInt(c.weight)),
    );
    const credits = spec.credits.map((c, i) => ({
      account: acct(c.account),
      side: 'credit' as const,
      amountPaise: parts[i],
    }));
    let lines: Line[] = [...debits, ...credits];
    switch (spec.defect) {
      case 'none':
        break;
      case 'unbalanced':
        lines[0] = { ...lines[0], amountPaise: lines[0].amountPaise + 1n };
        break;
      case 'zero':
        lines[lines.length - 1] = { ...lines[lines.length - 1], amountPaise: 0n };
        break;
      case 'negative':
        lines[0] = { ...lines[0], amountPaise: -lines[0].amountPaise };
        break;
      case 'single':
        lines = [lines[0]];
        break;
      case 'explicit_inr':
        lines[0] = { ...lines[0], currency: 'INR' };
        break;
      case 'currency':
        lines[0] = { ...lines[0], currency: 'USD' };
        break;
      case 'bad_code':
        lines[0] = { ...lines[0], account: 'revenue:no_such_family' };
        break;
      case 'too_large':
        lines[0] = { ...lines[0], amountPaise: MAX_PAISE + 1n };
        break;
    }
    return lines;
  }

  private pick<T>(list: readonly T[], target: number): T | undefined {
    // One slot past the end stands for "something that does not exist".
    const i = target % (list.length + 1);
    return i === list.length ? undefined : list[i];
  }

  /**
   * A target: usually a preferred one (an unresolved hold, an entry the model holds, or one built
   * earlier in the same batch), sometimes any command built so far (failed ones included) or a key
   * that does not exist.
   */
  private target<T extends { key: string }>(
    all: readonly T[],
    target: number,
    preferred: (key: string) => boolean,
  ): T | undefined {
    const i = Math.floor(target / 10);
    if (target % 10 === 0) return this.pick(all, i);
    const live = all.filter((c) => this.inBatch.has(c.key) || preferred(c.key));
    if (live.length > 0) return live[i % live.length];
    const stored = all.filter((c) => this.storedEntry(c.key));
    return stored.length > 0 ? stored[i % stored.length] : this.pick(all, i);
  }

  private unresolvedHold = (key: string) => this.model.pendingState(key) === 'pending';
  private storedEntry = (key: string) => this.model.entry(key) !== undefined;

  /** The concrete command of a leaf step (recording keys as it goes, so later steps can name them). */
  private commandOf(step: LeafStep): LedgerCommand {
    const unknown = `${this.prefix}/unknown`;
    let command: EntryCommand;
    switch (step.t) {
      case 'open':
        return { type: 'open_account', code: this.accounts.openable[step.slot % 6] };
      case 'post': {
        const key = this.newKey();
        const lines = this.linesOf(step.lines);
        command = step.adjustment
          ? {
              ...(manualAdjustment({
                adjustmentId: key,
                lines,
                reason: 'property test correction',
                maker: 'maker-1',
                checker: 'checker-2',
              }) as Extract<LedgerCommand, { type: 'post' }>),
              key,
            }
          : { type: 'post', key, lines, meta: this.meta };
        break;
      }
      case 'hold': {
        const key = this.newKey();
        const lines = this.linesOf(step.lines);
        this.holds.push({ key, lines });
        command = {
          type: 'hold',
          key,
          lines,
          timeoutSeconds: step.timeoutSeconds,
          meta: this.meta,
        };
        break;
      }
      case 'post_pending': {
        const key = this.newKey();
        const hold = this.target(this.holds, step.target, this.unresolvedHold);
        const pendingKey = hold?.key ?? unknown;
        const held = hold?.lines ?? [];
        const heldTotal = totalDebits(held);
        const amount = (heldTotal * BigInt(step.permille)) / 1000n;
        const base = { type: 'post_pending' as const, key, pendingKey, meta: this.meta };
        const validHold = held.length >= 2 && held.every((l) => l.amountPaise > 0n);
        const proportional = () =>
          validHold && amount > 0n && amount <= heldTotal
            ? proportionalPostLines(held, amount)
            : held;
        switch (step.mode) {
          case 'full':
            command = base;
            break;
          case 'amount':
            command = { ...base, amountPaise: heldTotal === 0n ? BigInt(step.permille) : amount };
            break;
          case 'lines':
            command = { ...base, lines: proportional() };
            break;
          case 'bad_lines': {
            // One debit and one credit above what is held: balanced, but beyond the hold.
            const lines = [...held];
            const d = lines.findIndex((l) => l.side === 'debit');
            const c = lines.findIndex((l) => l.side === 'credit');
            if (d >= 0) lines[d] = { ...lines[d], amountPaise: lines[d].amountPaise + 1n };
            if (c >= 0) lines[c] = { ...lines[c], amountPaise: lines[c].amountPaise + 1n };
            command = { ...base, lines };
            break;
          }
          case 'both':
            command = { ...base, amountPaise: amount, lines: proportional() };
            break;
        }
        break;
      }
      case 'void':
      case 'expire': {
        const key = this.newKey();
        const pendingKey =
          this.target(this.holds, step.target, this.unresolvedHold)?.key ?? unknown;
        command = {
          type: step.t === 'void' ? 'void_pending' : 'expire_pending',
          key,
          pendingKey,
          meta: this.meta,
        };
        break;
      }
      case 'reverse': {
        const key = this.newKey();
        const entryKey = this.target(this.history, step.target, this.storedEntry)?.key ?? unknown;
        command = { type: 'reverse', key, entryKey, meta: { ...this.meta, eventType: 'reversal' } };
        break;
      }
      case 'duplicate': {
        const earlier = this.pick(this.history, step.target);
        if (earlier === undefined) {
          return { type: 'open_account', code: this.accounts.openable[step.target % 6] };
        }
        // Same key: the same input replays (or re-runs, if it failed); another input is a conflict.
        return step.sameInput
          ? earlier
          : { ...earlier, meta: { ...earlier.meta, actor: 'someone-else' } };
      }
    }
    this.history.push(command);
    this.inBatch.add(command.key);
    return command;
  }

  private async execute(command: LedgerCommand): Promise<void> {
    await this.executeTogether([command]);
  }

  /**
   * Commands submitted at once: the run's ledger has one group-commit batch in flight at a time, so
   * the first runs alone and the others share the next transaction, a savepoint each, in submission
   * order — the order the model applies them in.
   */
  private async executeTogether(commands: LedgerCommand[]): Promise<void> {
    const expected: LedgerResult[] = commands.map((c) => this.model.apply(c, this.time.now()));
    const actual = await Promise.all(commands.map((c) => this.ledger.execute(c)));
    for (const [i, command] of commands.entries()) {
      const got = actual[i]!;
      this.log.push(`${commands.length > 1 ? `[${i}] ` : ''}${json(command)} → ${json(got)}`);
      const tally = `${command.type} ${got.code}${got.replayed === true ? ' (replayed)' : ''}`;
      seen.set(tally, (seen.get(tally) ?? 0) + 1);
      check(json(got) === json(expected[i]), 'result differs from the model', () => ({
        command,
        expected: expected[i],
        actual: got,
      }));
    }
  }

  async step(step: Step): Promise<void> {
    switch (step.t) {
      case 'advance': {
        this.time.advance(step.seconds);
        this.log.push(
          this.time.databaseTime ? `advance skipped (database time)` : `advance ${step.seconds}s`,
        );
        // What the expiry job does: find due holds (database time = the ledger clock), expire each.
        const due = (await this.ledger.expiredPendingKeys(100_000)).filter((k) =>
          k.startsWith(`${this.prefix}/`),
        );
        const expected = this.model.expiredPendingKeys(this.time.now());
        check(json([...due].sort()) === json([...expected].sort()), 'due holds differ', () => ({
          expected,
          due,
        }));
        for (const pendingKey of due) {
          const command: LedgerCommand = {
            type: 'expire_pending',
            key: `expire:${pendingKey}`,
            pendingKey,
            meta: this.meta,
          };
          const expectedResult = this.model.apply(command, this.time.now());
          const actual = await this.ledger.expirePending(pendingKey, this.meta);
          this.log.push(`expirePending ${pendingKey} → ${json(actual)}`);
          const tally = `expiry job ${actual.code}`;
          seen.set(tally, (seen.get(tally) ?? 0) + 1);
          check(json(actual) === json(expectedResult), 'expiry differs', () => ({
            expectedResult,
            actual,
          }));
          check(actual.code === 'ok', 'a due hold expires', () => actual);
          this.history.push(command);
        }
        break;
      }
      case 'rollup': {
        const before = await this.ledger.accounts();
        const folded = await this.ledger.rollUpBalanceDeltas();
        const after = await this.ledger.accounts();
        this.log.push(`rollUpBalanceDeltas → ${folded}`);
        check(
          json(after.map((a) => [a.code, countersOf(a)])) ===
            json(before.map((a) => [a.code, countersOf(a)])),
          'a roll-up changed a balance',
          () => ({ before, after }),
        );
        const { rows } = await this.sql.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ledger_balance_deltas`,
        );
        check(rows[0]?.n === '0', 'deltas left after a roll-up', () => rows);
        break;
      }
      case 'batch':
        this.inBatch.clear();
        await this.execute({
          type: 'batch',
          commands: step.steps.map((s) => this.commandOf(s)),
        });
        break;
      case 'together':
        this.inBatch.clear();
        await this.executeTogether(step.steps.map((s) => this.commandOf(s)));
        break;
      default:
        this.inBatch.clear();
        await this.execute(this.commandOf(step));
    }
    await this.verify();
  }

  /** After the last step: the whole journal replays to the stored counters, and its hashes verify. */
  async finish(): Promise<void> {
    const replay = await this.integrity.replay();
    check(replay.ok, 'ledger replay is not clean', () => replay);
    const report = await this.integrity.verify();
    check(report.ok, 'ledger verify is not clean', () => report);
    this.log.push('replay + verify: ok');
  }

  /** The invariants checked after every step. */
  async verify(): Promise<void> {
    const stored = await this.ledger.accounts();
    const byCode = new Map(stored.map((a) => [a.code, a]));

    // Every account of the model has the model's counters (shared ones: on top of the run's start).
    for (const expected of this.model.accounts()) {
      const actual = byCode.get(expected.code);
      const want = addCounters(this.baseline.get(expected.code) ?? ZERO_COUNTERS, expected);
      check(
        actual !== undefined &&
          actual.type === expected.type &&
          json(actual.flags) === json(expected.flags) &&
          sameCounters(actual, want),
        `account ${expected.code} differs from the model`,
        () => ({ want, actual: actual === undefined ? undefined : countersOf(actual) }),
      );
    }
    // …and the run opened no account the model has not.
    for (const code of this.accounts.lineAccounts) {
      check(
        byCode.has(code) === (this.model.account(code) !== undefined),
        `account ${code} exists in one ledger only`,
        () => ({ db: byCode.has(code) }),
      );
    }
    // No flagged account breaks its constraint; the trial balance (all accounts) is zero.
    for (const a of stored) {
      check(checkConstraints(a.flags, a) === undefined, `account ${a.code} breaks its flag`, () =>
        countersOf(a),
      );
    }
    const tb = trialBalanceOf(stored as Account[]);
    check(
      tb.balanced && tb.netPaise === 0n && tb.totalDebitsPending === tb.totalCreditsPending,
      'trial balance is not zero',
      () => tb,
    );

    // Every entry written since the run started has ≥ 2 lines that balance (carrying its seq).
    const unbalanced = await this.sql.query<{ id: string }>(
      `SELECT e.id FROM ledger_entries e LEFT JOIN ledger_lines l ON l.entry_id = e.id
       WHERE e.seq > $1::bigint
       GROUP BY e.id
       HAVING count(l.entry_id) < 2
           OR coalesce(sum(l.amount) FILTER (WHERE l.side = 'debit'), 0)
              <> coalesce(sum(l.amount) FILTER (WHERE l.side = 'credit'), 0)
           OR bool_or(l.entry_seq <> e.seq)`,
      [this.startSeq],
    );
    check(unbalanced.rows.length === 0, 'entries that do not balance', () => unbalanced.rows);

    // The run's journal is the model's journal: same entries, kinds, links and lines, in order.
    const { rows } = await this.sql.query<StoredEntryRow>(
      `SELECT e.id, e.kind, e.pending_id, e.reversal_of,
              coalesce(json_agg(json_build_array(a.code, l.side, l.amount::text) ORDER BY l.line_no)
                       FILTER (WHERE l.entry_id IS NOT NULL), '[]') AS lines
       FROM ledger_entries e
       LEFT JOIN ledger_lines l ON l.entry_id = e.id
       LEFT JOIN ledger_accounts a ON a.id = l.account_id
       WHERE e.seq > $2::bigint AND position($1 in e.id) > 0
       GROUP BY e.id ORDER BY e.seq`,
      [`${this.prefix}/`, this.startSeq],
    );
    const expectedEntries: StoredEntryRow[] = this.model.entries().map((e) => ({
      id: e.key,
      kind: e.kind,
      pending_id: e.pendingKey ?? null,
      reversal_of: e.reversalOf ?? null,
      lines: e.lines.map((l) => [l.account, l.side, l.amountPaise.toString()]),
    }));
    check(json(rows) === json(expectedEntries), 'journal differs from the model', () => ({
      expected: expectedEntries,
      stored: rows,
    }));
  }
}

describe('ledger property: PostgreSQL ledger = in-memory model', () => {
  const clock = new TestClock();
  let db: TestDatabase;
  /** One ledger on the test clock, one on database time, on the same database. */
  let onTestClock: LedgerApp;
  let onDatabaseTime: LedgerApp;
  let sql: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    // One group-commit batch in flight at a time: commands submitted together run in their order.
    const env = { DATABASE_GROUP_COMMIT_CONCURRENCY: '1' };
    onTestClock = await startLedgerOn(db, { clock, env });
    onDatabaseTime = await startLedgerOn(db, { env });
    sql = new pg.Client({ connectionString: db.ownerUrl });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await onTestClock?.close();
    await onDatabaseTime?.close();
    await db?.drop();
  });

  const integrity = () => onTestClock.moduleRef.get(LedgerIntegrityService);

  it(
    `random command sequences (${RUNS} runs × ≤ ${MAX_STEPS} steps) match the model after every step`,
    async () => {
      const stamp = Date.now().toString(36);
      const deadline = Date.now() + BUDGET_MS;
      let runNo = 0;
      let skipped = 0;
      const seed = SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(SEED);
      await fc.assert(
        fc.asyncProperty(runArb, async (input) => {
          // Past the budget (a slow machine, or a long shrink) runs are skipped: a shrink then stops at
          // the smallest counterexample that really failed.
          if (Date.now() > deadline) {
            skipped += 1;
            return;
          }
          runNo += 1;
          const [ledger, time] = input.databaseTime
            ? [onDatabaseTime.ledger, DATABASE_TIME]
            : [onTestClock.ledger, testTime(clock)];
          const run = new Run(`p${stamp}n${runNo}`, ledger, time, sql, integrity());
          let current = 'start';
          try {
            await run.start(input.initiallyClosed);
            for (const [i, step] of input.steps.entries()) {
              current = `step ${i} (${step.t})`;
              await run.step(step);
            }
            current = 'replay/verify';
            await run.finish();
          } catch (err) {
            const commands = run.log.join('\n  ');
            throw new Error(
              `${current} failed: ${(err as Error).message}\ncommands of this run:\n  ${commands}`,
              { cause: err },
            );
          }
        }),
        {
          numRuns: RUNS,
          seed,
          ...(PATH === undefined ? {} : { path: PATH }),
          // The seed (and path) are in fast-check's failure report; replay with LEDGER_PROPERTY_SEED/PATH.
        },
      );
      if (skipped > 0) {
        console.warn(`ledger property: ${skipped} run(s) skipped past the ${BUDGET_MS} ms budget`);
      }
      if (STATS)
        console.info(
          [...seen]
            .sort()
            .map(([k, n]) => `${n}\t${k}`)
            .join('\n'),
        );
      expect(runNo).toBeGreaterThan(0);
      // Commands submitted together really shared transactions.
      const [sum, count] = await Promise.all(
        ['db_group_commit_commands_sum', 'db_group_commit_commands_count'].map(async (name) => {
          let total = 0;
          for (const app of [onTestClock, onDatabaseTime]) {
            const text = await app.moduleRef.get(MetricsService).registry.metrics();
            const line = text.split('\n').find((l) => l.startsWith(`${name} `));
            total += Number(line?.split(' ')[1] ?? 0);
          }
          return total;
        }),
      );
      expect(sum).toBeGreaterThan(count!);
    },
    BUDGET_MS + 60_000,
  );

  it('the journal of every run, sealed, replays and verifies clean', async () => {
    const entries = await sql.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ledger_entries`,
    );
    expect(Number(entries.rows[0].n)).toBeGreaterThan(0);
    // Seals stop below the oldest transaction running on the cluster (other files share it): some
    // entries may stay unsealed, which verify() reports but does not count as a problem.
    await integrity().sealAll();
    const replay = await integrity().replay();
    expect(replay.mismatches).toEqual([]);
    expect(replay.unbalancedEntries).toEqual([]);
    expect(replay.ok).toBe(true);
    const report = await integrity().verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entriesChecked).toBe(Number(entries.rows[0].n));
  }, 60_000);
});
