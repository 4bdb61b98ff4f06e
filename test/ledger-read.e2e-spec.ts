/**
 * The ledger's read side over HTTP (typed client): accounts, balances now and as of past instants
 * (recomputed from the journal, checked against an independent replay), statements with running
 * balances across pages, the trial balance, journal search, the audited CSV/JSONL export with
 * entry hashes and seal proofs, access control and validation.
 */
import {
  type AccountType,
  availableBalance,
  type Counters,
  normalSide,
  pendingBalance,
  postedBalance,
  type Side,
} from '../src/ledger/domain/account.js';
import pg from 'pg';
import { entryHash } from '../src/ledger/domain/entry-hash.js';
import { credit, debit, type Line } from '../src/ledger/domain/journal.js';
import {
  type Entry,
  type EntryKind,
  type EntryMeta,
  type LedgerCommand,
  replayJournal,
} from '../src/ledger/domain/ledger-model.js';
import { LedgerAnchorService } from '../src/ledger/integrity/ledger-anchor.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { LEDGER_CSV_COLUMNS } from '../src/ledger/read/ledger-export.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import type { paths } from './support/api-types.js';
import { parseCsv } from './support/csv.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const GR = 'asset:gateway_receivable';
const BANK = 'asset:bank:b-1';
const GST_IN = 'asset:tax:gst_input';
const ESC1 = 'liability:escrow:order:o-1';
const ESC2 = 'liability:escrow:order:o-2';
const ESC3 = 'liability:escrow:order:o-3';
const PAY = 'liability:dealer_payable:d-1';
const GST_OUT = 'liability:tax:gst_output';
const COMMISSION = 'revenue:commission';
const FEES = 'expense:gateway_fees';
const CAPITAL = 'equity:capital';
const CODES = [GR, BANK, GST_IN, ESC1, ESC2, ESC3, PAY, GST_OUT, COMMISSION, FEES, CAPITAL];

const meta = (eventType: string, reference: string): EntryMeta => ({
  eventType,
  reference,
  actor: 'system',
});

/** The journal, one command per entry so that every entry has an effective time of its own. */
const STEPS: LedgerCommand[] = [
  {
    type: 'post',
    key: 'capture:p-1',
    lines: [debit(GR, 118000n), credit(ESC1, 118000n)],
    meta: meta('payment_captured', 'order:o-1'),
  },
  {
    type: 'hold',
    key: 'hold:o-1',
    lines: [debit(ESC1, 118000n), credit(PAY, 118000n)],
    timeoutSeconds: 0,
    meta: meta('escrow_hold', 'order:o-1'),
  },
  {
    type: 'post',
    key: 'fee:p-1',
    lines: [debit(FEES, 2000n), debit(GST_IN, 360n), credit(GR, 2360n)],
    meta: meta('gateway_fee', 'payment:p-1'),
  },
  {
    type: 'post',
    key: 'capture:p-2',
    lines: [debit(GR, 50000n), credit(ESC2, 50000n)],
    meta: meta('payment_captured', 'order:o-2'),
  },
  {
    type: 'hold',
    key: 'hold:o-2',
    lines: [debit(ESC2, 50000n), credit(PAY, 50000n)],
    timeoutSeconds: 0,
    meta: meta('escrow_hold', 'order:o-2'),
  },
  {
    type: 'post_pending',
    key: 'release:o-1',
    pendingKey: 'hold:o-1',
    amountPaise: 100000n,
    meta: meta('escrow_release', 'order:o-1'),
  },
  {
    type: 'post',
    key: 'deductions:o-1',
    lines: [debit(PAY, 11800n), credit(COMMISSION, 10000n), credit(GST_OUT, 1800n)],
    meta: {
      ...meta('release_deductions', 'order:o-1'),
      metadata: { note: 'said "no", then =SUM(A1)\nnext line' },
    },
  },
  {
    type: 'post',
    key: 'refund:o-1',
    lines: [debit(ESC1, 18000n), credit(GR, 18000n)],
    meta: meta('refund', 'order:o-1'),
  },
  {
    type: 'void_pending',
    key: 'void:o-2',
    pendingKey: 'hold:o-2',
    meta: meta('escrow_hold_void', 'order:o-2'),
  },
  {
    type: 'post',
    key: 'refund:o-2',
    lines: [debit(ESC2, 50000n), credit(GR, 50000n)],
    meta: meta('refund', 'order:o-2'),
  },
  {
    type: 'post',
    key: 'settlement:s-1',
    lines: [debit(BANK, 90000n), credit(GR, 90000n)],
    meta: meta('gateway_settlement', 'settlement:s-1'),
  },
  {
    type: 'post',
    key: 'capital:c-1',
    lines: [debit(BANK, 500000n), credit(CAPITAL, 500000n)],
    meta: meta('capital', 'capital:c-1'),
  },
  { type: 'reverse', key: 'reversal:fee', entryKey: 'fee:p-1', meta: meta('reversal', 'fee:p-1') },
  {
    type: 'post',
    key: 'capture:p-3',
    lines: [debit(GR, 30000n), credit(ESC3, 30000n)],
    meta: meta('payment_captured', 'order:o-3'),
  },
  {
    type: 'hold',
    key: 'hold:o-3',
    lines: [debit(ESC3, 30000n), credit(PAY, 30000n)],
    timeoutSeconds: 3600,
    meta: meta('escrow_hold', 'order:o-3'),
  },
];
/** Folded into the account rows after this many steps (later deltas stay appended). */
const ROLL_UP_AFTER = 5;

/** A journal entry as stored, read back as the owner. */
interface StoredEntry {
  seq: number;
  id: string;
  kind: EntryKind;
  eventType: string;
  reference: string;
  effectiveAt: Date;
  pendingId: string | null;
  hash: string;
  lines: { lineNo: number; account: string; side: Side; amount: bigint }[];
}

const TYPE_OF = (code: string): AccountType => code.split(':')[0] as AccountType;

function balances(type: AccountType, c: Counters) {
  return {
    debitsPosted: Number(c.debitsPosted),
    creditsPosted: Number(c.creditsPosted),
    debitsPending: Number(c.debitsPending),
    creditsPending: Number(c.creditsPending),
    postedBalance: Number(postedBalance({ type, ...c })),
    pendingBalance: Number(pendingBalance({ type, ...c })),
    availableBalance: Number(availableBalance({ type, ...c })),
  };
}

/** Counters of every account from the stored entries effective at or before `asOf` (the domain's replay). */
function replayAt(journal: readonly StoredEntry[], asOf: Date): Map<string, Counters> {
  const entries: Entry[] = journal
    .filter((e) => e.effectiveAt.getTime() <= asOf.getTime())
    .map((e) => ({
      key: e.id,
      sequence: e.seq,
      kind: e.kind,
      lines: e.lines.map((l): Line => ({
        account: l.account,
        side: l.side,
        amountPaise: l.amount,
      })),
      meta: meta(e.eventType, e.reference),
      effectiveAtMs: e.effectiveAt.getTime(),
      ...(e.pendingId === null ? {} : { pendingKey: e.pendingId }),
    }));
  return replayJournal(entries, CODES);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ledger read side', () => {
  let t: TestApp;
  let ledger: LedgerService;
  let finance: SignedIn;
  let compliance: SignedIn;
  let admin: SignedIn;
  let opsLeader: SignedIn;
  let customer: SignedIn;
  /** The journal as stored, in seq order. */
  let journal: StoredEntry[];
  const byId = (id: string): StoredEntry => {
    const e = journal.find((x) => x.id === id);
    if (e === undefined) throw new Error(`no entry ${id}`);
    return e;
  };
  const asOwner = <T>(fn: Parameters<typeof withClient<T>>[1]) => withClient(t.db.ownerUrl, fn);

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    ledger = t.app.get(LedgerService);
    finance = await signInAs(t, 'finance');
    compliance = await signInAs(t, 'compliance');
    admin = await signInAs(t, 'admin');
    opsLeader = await signInAs(t, 'ops_leader');
    customer = await signInAs(t, 'customer');

    for (const code of CODES) {
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
    }
    for (const [i, step] of STEPS.entries()) {
      await sleep(4); // every entry gets an effective time of its own (database time, ms)
      expect({ step: i, code: (await ledger.execute(step)).code }).toEqual({ step: i, code: 'ok' });
      if (i + 1 === ROLL_UP_AFTER) expect(await ledger.rollUpBalanceDeltas()).toBeGreaterThan(0);
    }

    journal = await asOwner(async (c) => {
      const entries = await c.query<{
        seq: string;
        id: string;
        kind: EntryKind;
        event_type: string;
        reference: string;
        effective_at: Date;
        pending_id: string | null;
        hash: string;
      }>(
        `SELECT seq::text AS seq, id, kind, event_type, reference, effective_at, pending_id, hash
         FROM ledger_entries e ORDER BY e.seq`,
      );
      const lines = await c.query<{
        entry_id: string;
        line_no: number;
        code: string;
        side: Side;
        amount: string;
      }>(
        `SELECT l.entry_id, l.line_no, a.code, l.side, l.amount::text AS amount
         FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
         ORDER BY l.entry_seq, l.line_no`,
      );
      return entries.rows.map((e) => ({
        seq: Number(e.seq),
        id: e.id,
        kind: e.kind,
        eventType: e.event_type,
        reference: e.reference,
        effectiveAt: e.effective_at,
        pendingId: e.pending_id,
        hash: e.hash,
        lines: lines.rows
          .filter((l) => l.entry_id === e.id)
          .map((l) => ({
            lineNo: l.line_no,
            account: l.code,
            side: l.side,
            amount: BigInt(l.amount),
          })),
      }));
    });
    expect(journal.map((e) => e.id)).toEqual(
      STEPS.map((s) => (s.type === 'batch' || s.type === 'open_account' ? '' : s.key)),
    );
    // Distinct effective times, in journal order: "as of" a step means exactly the steps up to it.
    const times = journal.map((e) => e.effectiveAt.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
  });
  afterAll(async () => {
    await t?.close();
  });

  const at = (id: string, deltaMs = 0) =>
    new Date(byId(id).effectiveAt.getTime() + deltaMs).toISOString();

  const getBalance = async (code: string, asOf?: string, who: SignedIn = finance) => {
    const { data, response } = await t.api.GET('/ledger/accounts/{code}/balance', {
      params: { path: { code }, query: asOf === undefined ? {} : { asOf } },
      headers: who.headers,
    });
    expect(response.status).toBe(200);
    return data!;
  };

  /** Raw GET, for requests the typed client cannot express (invalid parameters). */
  const raw = async (path: string, who?: SignedIn) => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: who ? who.headers : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  describe('accounts', () => {
    it('lists every account by code with its current counters and balances, page by page', async () => {
      const current = await ledger.accounts();
      const seen: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const { data, response } = await t.api.GET('/ledger/accounts', {
          params: { query: { limit: 4, ...(cursor ? { cursor } : {}) } },
          headers: compliance.headers,
        });
        expect(response.status).toBe(200);
        seen.push(...data!.items);
        cursor = data!.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(CODES.length / 4));
      expect(seen).toEqual(
        current.map((a) => ({
          code: a.code,
          type: a.type,
          normalSide: normalSide(a.type),
          ownerRef: a.ownerRef,
          flags: a.flags,
          ...balances(a.type, a),
        })),
      );
      // Spot checks against the journal: the hot account has rolled-up and appended deltas.
      const gr = seen.find((a) => (a as { code: string }).code === GR);
      expect(gr).toMatchObject({
        debitsPosted: 118000 + 50000 + 2360 + 30000,
        creditsPosted: 2360 + 18000 + 50000 + 90000,
        postedBalance: 200360 - 160360,
      });
      const esc3 = seen.find((a) => (a as { code: string }).code === ESC3);
      expect(esc3).toMatchObject({
        ownerRef: 'orderId=o-3',
        postedBalance: 30000,
        debitsPending: 30000,
        availableBalance: 0,
        flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
      });
    });

    it('filters by code prefix and by type', async () => {
      const escrow = await t.api.GET('/ledger/accounts', {
        params: { query: { prefix: 'liability:escrow:' } },
        headers: finance.headers,
      });
      expect(escrow.data!.items.map((a) => a.code)).toEqual([ESC1, ESC2, ESC3]);
      expect(escrow.data!.nextCursor).toBeUndefined();
      const assets = await t.api.GET('/ledger/accounts', {
        params: { query: { type: 'asset' } },
        headers: admin.headers,
      });
      expect(assets.data!.items.map((a) => a.code)).toEqual([GR, BANK, GST_IN].sort());
      const both = await t.api.GET('/ledger/accounts', {
        params: { query: { type: 'liability', prefix: 'liability:tax' } },
        headers: opsLeader.headers,
      });
      expect(both.data!.items.map((a) => a.code)).toEqual([GST_OUT]);
    });
  });

  describe('balances', () => {
    it('now: the account counters (row plus unrolled deltas)', async () => {
      for (const code of CODES) {
        const stored = (await ledger.account(code))!;
        const body = await getBalance(code);
        expect(body).toEqual({
          code,
          type: stored.type,
          normalSide: normalSide(stored.type),
          asOf: expect.any(String) as string,
          source: 'counters',
          ...balances(stored.type, stored),
        });
        expect(Date.parse(body.asOf)).toBeGreaterThanOrEqual(
          journal[journal.length - 1].effectiveAt.getTime(),
        );
      }
    });

    it('as of any instant: recomputed from the journal, equal to a replay of the entries up to it', async () => {
      const instants = [
        new Date(journal[0].effectiveAt.getTime() - 1),
        ...journal.map((e) => e.effectiveAt),
        ...journal.map((e) => new Date(e.effectiveAt.getTime() + 1)),
      ];
      for (const instant of instants) {
        const expected = replayAt(journal, instant);
        for (const code of [GR, ESC1, ESC2, PAY]) {
          const body = await getBalance(code, instant.toISOString());
          expect({ code, instant, body }).toEqual({
            code,
            instant,
            body: {
              code,
              type: TYPE_OF(code),
              normalSide: normalSide(TYPE_OF(code)),
              asOf: instant.toISOString(),
              source: 'journal',
              ...balances(TYPE_OF(code), expected.get(code)!),
            },
          });
        }
      }
      // As of the last entry, the journal and the counters agree.
      for (const code of CODES) {
        const now = await getBalance(code);
        const then = await getBalance(code, at('hold:o-3'));
        expect({ ...then, asOf: '', source: '' }).toEqual({ ...now, asOf: '', source: '' });
      }
    });

    it('a hold and its partial post show in pending and posted as of each instant', async () => {
      // Before the hold: the escrow holds the payment, nothing is pending.
      expect(await getBalance(ESC1, at('hold:o-1', -1))).toMatchObject({
        creditsPosted: 118000,
        debitsPending: 0,
        postedBalance: 118000,
        availableBalance: 118000,
      });
      // Held: pending on both sides, available escrow 0, nothing posted to the payable.
      expect(await getBalance(ESC1, at('hold:o-1'))).toMatchObject({
        debitsPending: 118000,
        postedBalance: 118000,
        pendingBalance: -118000,
        availableBalance: 0,
      });
      expect(await getBalance(PAY, at('hold:o-1'))).toMatchObject({
        creditsPending: 118000,
        creditsPosted: 0,
        postedBalance: 0,
        pendingBalance: 118000,
        availableBalance: 0,
      });
      // Partial post of 1,000 rupees: the whole hold is released, 100000 posted, the other hold stays.
      expect(await getBalance(ESC1, at('release:o-1'))).toMatchObject({
        debitsPosted: 100000,
        debitsPending: 0,
        postedBalance: 18000,
        availableBalance: 18000,
      });
      expect(await getBalance(PAY, at('release:o-1'))).toMatchObject({
        creditsPosted: 100000,
        creditsPending: 50000,
        postedBalance: 100000,
        availableBalance: 100000,
      });
      // The second hold voided: nothing pending on the payable until the third hold.
      expect(await getBalance(PAY, at('void:o-2'))).toMatchObject({
        creditsPending: 0,
        postedBalance: 100000 - 11800,
      });
    });

    it('answers 404 for an unknown account and 400 for a bad instant or code', async () => {
      const missing = await t.api.GET('/ledger/accounts/{code}/balance', {
        params: { path: { code: 'liability:escrow:order:nope' } },
        headers: finance.headers,
      });
      expect(missing.response.status).toBe(404);
      expect(missing.error).toMatchObject({ code: 'resource/not-found' });
      const statement = await t.api.GET('/ledger/accounts/{code}/statement', {
        params: { path: { code: 'equity:nobody' } },
        headers: finance.headers,
      });
      expect(statement.response.status).toBe(404);

      const badTime = await raw(
        `/ledger/accounts/${encodeURIComponent(GR)}/balance?asOf=yesterday`,
        finance,
      );
      expect(badTime.status).toBe(400);
      expect(badTime.body).toMatchObject({
        code: 'request/validation-failed',
        errors: [{ field: 'asOf', in: 'query' }],
      });
      const badCode = await raw(
        `/ledger/accounts/${encodeURIComponent('NOT A CODE')}/balance`,
        finance,
      );
      expect(badCode.status).toBe(400);
      expect(badCode.body).toMatchObject({ errors: [{ field: 'code', in: 'path' }] });
    });
  });

  describe('statements', () => {
    /** The account's lines in journal order with the posted balance after each, from the stored journal. */
    function expectedStatement(code: string) {
      const type = TYPE_OF(code);
      let running = 0n;
      return journal.flatMap((e) =>
        e.lines
          .filter((l) => l.account === code)
          .map((l) => {
            const posted = e.kind === 'posted' || e.kind === 'post_pending';
            if (posted) running += l.side === normalSide(type) ? l.amount : -l.amount;
            return {
              entrySeq: e.seq,
              entryId: e.id,
              lineNo: l.lineNo,
              kind: e.kind,
              eventType: e.eventType,
              reference: e.reference,
              effectiveAt: e.effectiveAt.toISOString(),
              side: l.side,
              amount: Number(l.amount),
              phase: posted ? 'posted' : e.kind === 'pending' ? 'pending' : 'released',
              runningBalance: Number(running),
            };
          }),
      );
    }

    async function pages(code: string, query: { from?: string; to?: string } = {}) {
      const items: unknown[] = [];
      const openings: (number | null)[] = [];
      let cursor: string | undefined;
      let count = 0;
      do {
        const { data, response } = await t.api.GET('/ledger/accounts/{code}/statement', {
          params: { path: { code }, query: { ...query, limit: 2, ...(cursor ? { cursor } : {}) } },
          headers: finance.headers,
        });
        expect(response.status).toBe(200);
        expect(data).toMatchObject({ code, type: TYPE_OF(code) });
        items.push(...data!.items);
        openings.push(data!.openingBalance);
        cursor = data!.nextCursor;
        count++;
      } while (cursor);
      return { items, openings, count };
    }

    it.each([GR, PAY, ESC1, ESC2, BANK])(
      '%s: every line in journal order, running balances right on every page (limit 2)',
      async (code) => {
        const expected = expectedStatement(code);
        const { items, openings, count } = await pages(code);
        expect(items).toEqual(expected);
        expect(count).toBe(Math.max(1, Math.ceil(expected.length / 2)));
        // Each page opens with the balance after the previous page's last line.
        const expectedOpenings = expected
          .filter((_l, i) => i % 2 === 0)
          .map((_l, p) => (p === 0 ? 0 : expected[p * 2 - 1].runningBalance));
        expect(openings).toEqual(expectedOpenings);
        // The last running balance is the account's posted balance now.
        expect(expected[expected.length - 1].runningBalance).toBe(
          (await getBalance(code)).postedBalance,
        );
      },
    );

    it('holds and their releases are listed but do not move the running balance', async () => {
      const { items } = await pages(PAY);
      expect(
        (items as { entryId: string; phase: string; runningBalance: number }[]).map((l) => [
          l.entryId,
          l.phase,
          l.runningBalance,
        ]),
      ).toEqual([
        ['hold:o-1', 'pending', 0],
        ['hold:o-2', 'pending', 0],
        ['release:o-1', 'posted', 100000],
        ['deductions:o-1', 'posted', 88200],
        ['void:o-2', 'released', 88200],
        ['hold:o-3', 'pending', 88200],
      ]);
    });

    it('a time range keeps the true running balance of the lines it shows', async () => {
      const from = at('refund:o-1');
      const to = at('reversal:fee');
      const expected = expectedStatement(GR).filter(
        (l) => l.effectiveAt >= from && Date.parse(l.effectiveAt) < Date.parse(to),
      );
      expect(expected.map((l) => l.entryId)).toEqual([
        'refund:o-1',
        'refund:o-2',
        'settlement:s-1',
      ]);
      const { items, openings } = await pages(GR, { from, to });
      expect(items).toEqual(expected);
      expect(openings[0]).toBe(118000 - 2360 + 50000);
    });
  });

  describe('trial balance', () => {
    function expectedTrialBalance(counters: Map<string, Counters>) {
      const types: AccountType[] = ['asset', 'liability', 'equity', 'revenue', 'expense'];
      let debitBalance = 0n;
      let creditBalance = 0n;
      let pendingDebits = 0n;
      let pendingCredits = 0n;
      const groups = types.map((type) => {
        const codes = CODES.filter((c) => TYPE_OF(c) === type).sort();
        const accounts = codes.map((code) => {
          const c = counters.get(code)!;
          const net = c.debitsPosted - c.creditsPosted;
          pendingDebits += c.debitsPending;
          pendingCredits += c.creditsPending;
          return {
            code,
            debitBalance: Number(net > 0n ? net : 0n),
            creditBalance: Number(net < 0n ? -net : 0n),
            debitsPosted: Number(c.debitsPosted),
            creditsPosted: Number(c.creditsPosted),
            debitsPending: Number(c.debitsPending),
            creditsPending: Number(c.creditsPending),
          };
        });
        const sum = (k: 'debitBalance' | 'creditBalance' | 'debitsPosted' | 'creditsPosted') =>
          accounts.reduce((s, a) => s + a[k], 0);
        debitBalance += BigInt(sum('debitBalance'));
        creditBalance += BigInt(sum('creditBalance'));
        return {
          type,
          normalSide: normalSide(type),
          accounts,
          totals: {
            debitBalance: sum('debitBalance'),
            creditBalance: sum('creditBalance'),
            debitsPosted: sum('debitsPosted'),
            creditsPosted: sum('creditsPosted'),
          },
          balance: codes.reduce(
            (s, code) => s + Number(postedBalance({ type, ...counters.get(code)! })),
            0,
          ),
        };
      });
      return {
        groups,
        totals: {
          debitBalance: Number(debitBalance),
          creditBalance: Number(creditBalance),
          debitsPosted: groups.reduce((s, g) => s + g.totals.debitsPosted, 0),
          creditsPosted: groups.reduce((s, g) => s + g.totals.creditsPosted, 0),
        },
        pending: {
          debits: Number(pendingDebits),
          credits: Number(pendingCredits),
          balanced: pendingDebits === pendingCredits,
        },
        balanced: debitBalance === creditBalance,
      };
    }

    it('now: balanced, every account and total equal to the counters', async () => {
      const current = new Map((await ledger.accounts()).map((a) => [a.code, a as Counters]));
      const { data, response } = await t.api.GET('/ledger/trial-balance', {
        headers: finance.headers,
      });
      expect(response.status).toBe(200);
      expect(data).toEqual({
        asOf: expect.any(String) as string,
        source: 'counters',
        ...expectedTrialBalance(current),
      });
      expect(data!.balanced).toBe(true);
      expect(data!.totals.debitBalance).toBeGreaterThan(0);
      expect(data!.pending).toEqual({ debits: 30000, credits: 30000, balanced: true });
    });

    it('as of each entry: equal to a replay of the journal up to it, balanced', async () => {
      for (const e of journal) {
        const { data } = await t.api.GET('/ledger/trial-balance', {
          params: { query: { asOf: e.effectiveAt.toISOString() } },
          headers: compliance.headers,
        });
        expect({ id: e.id, data }).toEqual({
          id: e.id,
          data: {
            asOf: e.effectiveAt.toISOString(),
            source: 'journal',
            ...expectedTrialBalance(replayAt(journal, e.effectiveAt)),
          },
        });
        expect(data!.balanced).toBe(true);
      }
    });
  });

  describe('journal search', () => {
    type EntryBody = { id: string; seq: number };

    async function search(
      query: NonNullable<paths['/ledger/entries']['get']['parameters']['query']>,
    ) {
      const items: EntryBody[] = [];
      let cursor: string | undefined;
      do {
        const { data, response } = await t.api.GET('/ledger/entries', {
          params: { query: { ...query, ...(cursor ? { cursor } : {}) } },
          headers: compliance.headers,
        });
        expect(response.status).toBe(200);
        items.push(...data!.items);
        cursor = data!.nextCursor;
      } while (cursor);
      return items.map((e) => e.id);
    }

    const newestFirst = (ids: string[]) =>
      journal
        .filter((e) => ids.includes(e.id))
        .map((e) => e.id)
        .reverse();

    beforeAll(async () => {
      // A seal over the first three entries (the read side only reports it).
      await asOwner(async (c) => {
        await c.query(
          `INSERT INTO ledger_seals (seal_no, xid_from, xid_to, entries_count, prev_hash, hash,
             signature, key_id, public_key)
           VALUES (1, '1', '2', 3, $1, $2, 'c2lnbmF0dXJl', 'key-2026', 'public')`,
          ['0'.repeat(64), 'a'.repeat(64)],
        );
        for (const [position, e] of journal.slice(0, 3).entries()) {
          await c.query(
            `INSERT INTO ledger_seal_entries (seal_no, position, entry_id, entry_seq, entry_hash)
             VALUES (1, $1, $2, $3, $4)`,
            [position, e.id, e.seq, e.hash],
          );
        }
      });
    });

    it('pages through the whole journal newest first (limit 3), nothing repeated or skipped', async () => {
      expect(await search({ limit: 3 })).toEqual(journal.map((e) => e.id).reverse());
    });

    it('filters by reference, event type, account and effective time', async () => {
      expect(await search({ reference: 'order:o-1' })).toEqual(
        newestFirst(['capture:p-1', 'hold:o-1', 'release:o-1', 'deductions:o-1', 'refund:o-1']),
      );
      // The other reference kinds the README lists: a payment's fee, a settlement.
      expect(await search({ reference: 'payment:p-1' })).toEqual(['fee:p-1']);
      expect(await search({ reference: 'settlement:s-1' })).toEqual(['settlement:s-1']);
      expect(await search({ eventType: 'refund', limit: 1 })).toEqual(
        newestFirst(['refund:o-1', 'refund:o-2']),
      );
      expect(await search({ account: ESC2 })).toEqual(
        newestFirst(['capture:p-2', 'hold:o-2', 'void:o-2', 'refund:o-2']),
      );
      expect(await search({ account: 'liability:escrow:order:nope' })).toEqual([]);
      // `from` inclusive, `to` exclusive.
      expect(await search({ from: at('capture:p-2'), to: at('release:o-1') })).toEqual(
        newestFirst(['capture:p-2', 'hold:o-2']),
      );
      expect(
        await search({ reference: 'order:o-1', account: PAY, eventType: 'escrow_release' }),
      ).toEqual(['release:o-1']);
    });

    it('shows each entry with its lines, hash and seal proof', async () => {
      const { data } = await t.api.GET('/ledger/entries', {
        params: { query: { limit: 100 } },
        headers: finance.headers,
      });
      for (const item of data!.items) {
        const stored = byId(item.id);
        expect(item).toMatchObject({
          seq: stored.seq,
          kind: stored.kind,
          hash: stored.hash,
          effectiveAt: stored.effectiveAt.toISOString(),
          lines: stored.lines.map((l) => ({ ...l, amount: Number(l.amount) })),
        });
        const position = journal.indexOf(stored);
        expect(item.seal).toEqual(
          position < 3
            ? {
                sealNo: 1,
                position,
                hash: 'a'.repeat(64),
                prevHash: '0'.repeat(64),
                signature: 'c2lnbmF0dXJl',
                keyId: 'key-2026',
              }
            : null,
        );
      }

      const { data: release, response } = await t.api.GET('/ledger/entries/{entryId}', {
        params: { path: { entryId: 'release:o-1' } },
        headers: opsLeader.headers,
      });
      expect(response.status).toBe(200);
      expect(release).toMatchObject({
        id: 'release:o-1',
        kind: 'post_pending',
        eventType: 'escrow_release',
        reference: 'order:o-1',
        pendingId: 'hold:o-1',
        reversalOf: null,
        timeoutAt: null,
        result: { code: 'ok', entryKey: 'release:o-1' },
        lines: [
          { lineNo: 0, account: ESC1, side: 'debit', amount: 100000 },
          { lineNo: 1, account: PAY, side: 'credit', amount: 100000 },
        ],
        seal: null,
      });
      const reversal = await t.api.GET('/ledger/entries/{entryId}', {
        params: { path: { entryId: 'reversal:fee' } },
        headers: finance.headers,
      });
      expect(reversal.data).toMatchObject({ reversalOf: 'fee:p-1', kind: 'posted' });
      const hold = await t.api.GET('/ledger/entries/{entryId}', {
        params: { path: { entryId: 'hold:o-3' } },
        headers: finance.headers,
      });
      expect(Date.parse(hold.data!.timeoutAt!)).toBe(
        byId('hold:o-3').effectiveAt.getTime() + 3600_000,
      );

      const missing = await t.api.GET('/ledger/entries/{entryId}', {
        params: { path: { entryId: 'no-such-entry' } },
        headers: finance.headers,
      });
      expect(missing.response.status).toBe(404);
      expect(missing.error).toMatchObject({ code: 'resource/not-found' });
    });

    it('names each invalid criterion', async () => {
      const bad = await raw(
        '/ledger/entries?from=yesterday&account=NOT%20A%20CODE&limit=0&color=red',
        finance,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('request/validation-failed');
      const fields = (bad.body.errors as { field: string; in: string }[]).map((e) => e.field);
      expect(fields.sort()).toEqual(['account', 'color', 'from', 'limit']);
      // A reference is `<kind>:<id>`: a bare id finds nothing, so it is refused with the formats.
      const bare = await raw('/ledger/entries?reference=o-1', finance);
      expect(bare).toMatchObject({ status: 400, body: { errors: [{ field: 'reference' }] } });
      expect(JSON.stringify(bare.body.errors)).toContain('order:<orderId>');
      const cursor = await raw('/ledger/entries?cursor=xyz', finance);
      expect(cursor).toMatchObject({ status: 400, body: { errors: [{ field: 'cursor' }] } });
      const order = await raw(
        `/ledger/entries?from=${at('refund:o-1')}&to=${at('capture:p-1')}`,
        finance,
      );
      expect(order).toMatchObject({ status: 400, body: { errors: [{ field: 'to' }] } });
      const accounts = await raw('/ledger/accounts?type=cash&prefix=Bad%20Prefix', finance);
      expect(accounts.status).toBe(400);
      expect((accounts.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
        'prefix',
        'type',
      ]);
      const statement = await raw(
        `/ledger/accounts/${encodeURIComponent(GR)}/statement?cursor=${Buffer.from('{"s":"1"}').toString('base64url')}`,
        finance,
      );
      expect(statement).toMatchObject({ status: 400, body: { errors: [{ field: 'cursor' }] } });
      const trial = await raw('/ledger/trial-balance?asOf=2026-02-30T00:00:00Z', finance);
      expect(trial).toMatchObject({ status: 400, body: { errors: [{ field: 'asOf' }] } });
    });
  });

  describe('export', () => {
    async function exported(query: {
      format: 'csv' | 'jsonl';
      from?: string;
      to?: string;
      reason?: string;
    }) {
      const { data, response } = await t.api.GET('/ledger/export', {
        params: { query },
        headers: finance.headers,
        parseAs: 'text',
      });
      expect(response.status).toBe(200);
      return { text: data as unknown as string, response };
    }

    it('JSON Lines: every entry once, in seq order, its hash recomputable from the line', async () => {
      const { text, response } = await exported({ format: 'jsonl' });
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(
        /^attachment; filename="ledger-journal-\d{8}T\d{6}Z\.jsonl"$/,
      );
      const lines = text.split('\n');
      expect(lines.pop()).toBe('');
      const entries = lines.map(
        (l) =>
          JSON.parse(l) as {
            seq: number;
            id: string;
            kind: string;
            eventType: string;
            reference: string;
            actor: string;
            effectiveAt: string;
            metadata: Record<string, string>;
            pendingId: string | null;
            reversalOf: string | null;
            timeoutAt: string | null;
            inputHash: string;
            result: Record<string, unknown>;
            lines: { account: string; side: Side; amount: number }[];
            hash: string;
            seal: { sealNo: number; position: number } | null;
          },
      );
      expect(entries.map((e) => [e.seq, e.id, e.hash])).toEqual(
        journal.map((e) => [e.seq, e.id, e.hash]),
      );
      for (const e of entries) {
        expect(
          entryHash({
            ...e,
            effectiveAtMs: Date.parse(e.effectiveAt),
            timeoutAtMs: e.timeoutAt === null ? null : Date.parse(e.timeoutAt),
            lines: e.lines.map((l) => ({ ...l, amountPaise: BigInt(l.amount) })),
          }),
        ).toBe(e.hash);
      }
      expect(entries.slice(0, 4).map((e) => e.seal?.position ?? null)).toEqual([0, 1, 2, null]);
    });

    it('CSV: one row per line, properly escaped, with hashes and seal proofs; audited', async () => {
      const { text, response } = await exported({ format: 'csv', reason: 'year-end audit, FY26' });
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual([...LEDGER_CSV_COLUMNS]);
      const records = rows.map((r) =>
        Object.fromEntries(LEDGER_CSV_COLUMNS.map((c, i) => [c, r[i]])),
      );
      expect(records.map((r) => [r.entry_id, r.line_no, r.account, r.side, r.amount])).toEqual(
        journal.flatMap((e) =>
          e.lines.map((l) => [e.id, String(l.lineNo), l.account, l.side, l.amount.toString()]),
        ),
      );
      for (const r of records) {
        expect(r.entry_hash).toBe(byId(r.entry_id).hash);
        expect(r.seal_no).toBe(journal.indexOf(byId(r.entry_id)) < 3 ? '1' : '');
      }
      const deductions = records.find((r) => r.entry_id === 'deductions:o-1')!;
      expect(JSON.parse(deductions.metadata)).toEqual({
        note: 'said "no", then =SUM(A1)\nnext line',
      });
      expect(JSON.parse(records[0].result)).toEqual({ code: 'ok', entryKey: 'capture:p-1' });

      // The export was audited (before streaming), with its criteria and format.
      const { data } = await t.api.GET('/audit/events', {
        params: { query: { action: 'ledger.export', limit: 1 } },
        headers: compliance.headers,
      });
      expect(data!.items[0]).toMatchObject({
        actorId: finance.userId,
        actorRole: 'finance',
        action: 'ledger.export',
        targetType: 'ledger_entries',
        reason: 'year-end audit, FY26',
        after: {
          format: 'csv',
          filters: {},
          snapshot: expect.stringMatching(/^\d+:\d+:[\d,]*$/),
        },
      });
      // The snapshot sees every entry of the journal as ended (all were committed before the
      // export).
      const { snapshot } = data!.items[0].after as { snapshot: string };
      const later = await withClient(t.db.ownerUrl, (c) =>
        c.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ledger_entries
            WHERE NOT pg_visible_in_snapshot(xid, $1::pg_snapshot)`,
          [snapshot],
        ),
      );
      expect(later.rows[0]?.n).toBe('0');
    });

    it('a time range exports only the entries effective in it, and is recorded', async () => {
      const from = at('capture:p-2');
      const to = at('release:o-1');
      const { text } = await exported({ format: 'jsonl', from, to });
      const ids = text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id);
      expect(ids).toEqual(['capture:p-2', 'hold:o-2']);
      const { data } = await t.api.GET('/audit/events', {
        params: { query: { action: 'ledger.export', limit: 1 } },
        headers: admin.headers,
      });
      expect(data!.items[0]).toMatchObject({ after: { format: 'jsonl', filters: { from, to } } });
      const bad = await raw('/ledger/export?format=xml', finance);
      expect(bad).toMatchObject({ status: 400, body: { errors: [{ field: 'format' }] } });
    });
  });

  describe('access', () => {
    const routes = () => [
      '/ledger/accounts',
      `/ledger/accounts/${encodeURIComponent(GR)}/balance`,
      `/ledger/accounts/${encodeURIComponent(GR)}/statement`,
      '/ledger/trial-balance',
      '/ledger/entries',
      `/ledger/entries/${encodeURIComponent('capture:p-1')}`,
      '/ledger/export?format=jsonl',
    ];

    it('anonymous 401, customer 403, finance, compliance, admin and ops_leader 200', async () => {
      for (const path of routes()) {
        expect({ path, status: (await raw(path)).status }).toEqual({ path, status: 401 });
        const refused = await raw(path, customer);
        expect({ path, refused }).toMatchObject({
          path,
          refused: { status: 403, body: { code: 'auth/forbidden' } },
        });
        for (const who of [finance, compliance, admin, opsLeader]) {
          const res = await fetch(`${t.baseUrl}${path}`, { headers: who.headers });
          await res.arrayBuffer();
          expect({ path, status: res.status }).toEqual({ path, status: 200 });
        }
      }
    });
  });

  describe('verify', () => {
    it('GET /ledger/verify recomputes the journal and names an edited entry', async () => {
      const verify = (who: SignedIn) => t.api.GET('/ledger/verify', { headers: who.headers });
      // This journal carries the hand-made seal of the entry-detail tests, so it is not clean:
      // what matters is that an edit shows up, by entry, and is gone once undone.
      const before = (await verify(compliance)).data!;
      // The route answers what `ledger:verify` computes.
      const direct = await t.app.get(LedgerAnchorService).verifyAnchored();
      expect(before).toEqual({ ...direct, anchor: null });
      expect(
        before.problems.some((p) => p.entryId === 'capture:p-1' && p.kind === 'entry_content'),
      ).toBe(false);
      const edit = (reference: string) =>
        asOwner(async (c) => {
          await c.query('BEGIN');
          await c.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER');
          await c.query(`UPDATE ledger_entries SET reference = $1 WHERE id = 'capture:p-1'`, [
            reference,
          ]);
          await c.query('ALTER TABLE ledger_entries ENABLE TRIGGER USER');
          await c.query('COMMIT');
        });
      await edit('order:o-9');
      try {
        const broken = (await verify(finance)).data!;
        expect(broken.ok).toBe(false);
        expect(broken.problems).toContainEqual(
          expect.objectContaining({ kind: 'entry_content', entryId: 'capture:p-1' }),
        );
      } finally {
        await edit('order:o-1');
      }
      expect((await verify(finance)).data).toEqual(before);
      expect((await verify(customer)).response.status).toBe(403);
    });
  });

  describe('when the books do not balance', () => {
    it('the trial balance says so: balanced is computed, not asserted', async () => {
      await asOwner(async (c) => {
        // A line appended to an entry (the journal is append-only, not immune to the owner) …
        await c.query(
          `INSERT INTO ledger_lines (entry_id, entry_seq, line_no, account_id, side, amount)
           SELECT e.id, e.seq, 2, a.id, 'debit', 7
           FROM ledger_entries e, ledger_accounts a WHERE e.id = 'capital:c-1' AND a.code = $1`,
          [BANK],
        );
        // … and a counter changed behind the ledger's back.
        await c.query(
          `UPDATE ledger_accounts SET credits_posted = credits_posted + 5 WHERE code = $1`,
          [CAPITAL],
        );
      });
      const asOf = await t.api.GET('/ledger/trial-balance', {
        params: { query: { asOf: new Date().toISOString() } },
        headers: finance.headers,
      });
      expect(asOf.data).toMatchObject({ source: 'journal', balanced: false });
      expect(asOf.data!.totals.debitBalance - asOf.data!.totals.creditBalance).toBe(7);
      const now = await t.api.GET('/ledger/trial-balance', { headers: finance.headers });
      expect(now.data).toMatchObject({ source: 'counters', balanced: false });
      expect(now.data!.totals.creditBalance - now.data!.totals.debitBalance).toBe(5);
    });
  });

  describe('an export while a long transaction runs', () => {
    it('still holds every entry committed before it', async () => {
      // A transaction with an xid, left open (a long report, a dump, another database's work):
      // the cluster's oldest running transaction, older than the entry posted next.
      const long = new pg.Client({ connectionString: t.db.ownerUrl });
      await long.connect();
      try {
        await long.query('BEGIN');
        await long.query('SELECT pg_current_xact_id()');
        const posted = await ledger.execute({
          type: 'post',
          key: 'capital:c-late',
          lines: [debit(BANK, 100n), credit(CAPITAL, 100n)],
          meta: meta('capital', 'capital:c-late'),
        });
        expect(posted.code).toBe('ok');
        const res = await fetch(`${t.baseUrl}/ledger/export?format=jsonl`, {
          headers: finance.headers,
        });
        expect(res.status).toBe(200);
        const ids = (await res.text())
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { id: string }).id);
        expect(ids).toContain('capital:c-late');
        expect(ids).toContain('capital:c-1');
      } finally {
        await long.query('ROLLBACK');
        await long.end();
      }
    });
  });
});
