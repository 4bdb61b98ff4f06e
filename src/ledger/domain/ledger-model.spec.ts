import fc from 'fast-check';

import { checkConstraints, type Counters } from './account.js';
import { credit, debit, type Line, validateLines } from './journal.js';
import { type EntryMeta, type LedgerCommand, LedgerModel } from './ledger-model.js';
import { splitLargestRemainder } from './money.js';
import type { ResultCode } from './result-codes.js';

const E = 'liability:escrow:order:o1';
const P = 'liability:dealer_payable:d1';
const G = 'asset:gateway_receivable';
const B = 'asset:bank:b1';
const C = 'revenue:commission';
const M: EntryMeta = { eventType: 'test', reference: 'test:1', actor: 'spec' };

function ledgerWith(...codes: string[]): LedgerModel {
  const l = new LedgerModel();
  for (const code of codes) expect(l.apply({ type: 'open_account', code }, 0).code).toBe('ok');
  return l;
}

const post = (key: string, lines: Line[]): LedgerCommand => ({ type: 'post', key, lines, meta: M });
const hold = (key: string, lines: Line[], timeoutSeconds = 0): LedgerCommand => ({
  type: 'hold',
  key,
  lines,
  timeoutSeconds,
  meta: M,
});

describe('LedgerModel', () => {
  it('opens accounts idempotently and rejects invalid codes', () => {
    const l = new LedgerModel();
    expect(l.apply({ type: 'open_account', code: E }, 0)).toEqual({ code: 'ok' });
    expect(l.apply({ type: 'open_account', code: E }, 0)).toEqual({ code: 'ok', replayed: true });
    expect(l.apply({ type: 'open_account', code: 'asset:x' }, 0)).toEqual({
      code: 'invalid_account_code',
    });
  });

  it('posts a balanced entry and rejects unknown accounts and invalid lines', () => {
    const l = ledgerWith(G, E);
    expect(l.apply(post('k1', [debit(G, 100n), credit(E, 100n)]), 0)).toEqual({
      code: 'ok',
      entryKey: 'k1',
    });
    expect(l.account(E)?.creditsPosted).toBe(100n);
    expect(l.apply(post('k2', [debit(G, 100n), credit(P, 100n)]), 0).code).toBe(
      'account_not_found',
    );
    expect(l.apply(post('k3', [debit(G, 100n), credit(E, 90n)]), 0).code).toBe('unbalanced');
    expect(l.entries()).toHaveLength(1);
  });

  it.each([
    ['an empty key', post('', [debit(G, 1n), credit(E, 1n)]), 'invalid_key'],
    [
      'a key of 181 characters',
      post('k'.repeat(181), [debit(G, 1n), credit(E, 1n)]),
      'invalid_key',
    ],
    ['a NUL in the key', post('k\u0000', [debit(G, 1n), credit(E, 1n)]), 'invalid_key'],
    [
      'a NUL in the held key',
      { type: 'void_pending', key: 'v', pendingKey: 'h\u0000', meta: M },
      'invalid_key',
    ],
    [
      'an empty reference',
      {
        type: 'post',
        key: 'k',
        lines: [debit(G, 1n), credit(E, 1n)],
        meta: { ...M, reference: '' },
      },
      'invalid_meta',
    ],
    [
      'a NUL in the actor',
      {
        type: 'post',
        key: 'k',
        lines: [debit(G, 1n), credit(E, 1n)],
        meta: { ...M, actor: 'a\u0000' },
      },
      'invalid_meta',
    ],
    [
      'a lone surrogate in metadata',
      {
        type: 'post',
        key: 'k',
        lines: [debit(G, 1n), credit(E, 1n)],
        meta: { ...M, metadata: { note: '\ud800' } },
      },
      'invalid_meta',
    ],
    [
      '33 metadata entries',
      {
        type: 'post',
        key: 'k',
        lines: [debit(G, 1n), credit(E, 1n)],
        meta: {
          ...M,
          metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, 'x'])),
        },
      },
      'invalid_meta',
    ],
  ] as [string, LedgerCommand, ResultCode][])(
    'refuses %s before anything else, and stores nothing',
    (_name, command, code) => {
      const l = ledgerWith(G, E);
      expect(l.apply(command, 0).code).toBe(code);
      expect(l.entries()).toHaveLength(0);
    },
  );

  it('accepts well-formed text at the limits (180-character key, emoji, 1000-character values)', () => {
    const l = ledgerWith(G, E);
    const command: LedgerCommand = {
      type: 'post',
      key: 'k'.repeat(180),
      lines: [debit(G, 1n), credit(E, 1n)],
      meta: { ...M, actor: 'ऋषि 🙂', metadata: { note: 'x'.repeat(1000) } },
    };
    expect(l.apply(command, 0).code).toBe('ok');
  });

  it('idempotency: same key and input → original result, different input → conflict', () => {
    const l = ledgerWith(G, E);
    const cmd = post('k1', [debit(G, 100n), credit(E, 100n)]);
    expect(l.apply(cmd, 0).code).toBe('ok');
    expect(l.apply(cmd, 5)).toEqual({ code: 'ok', entryKey: 'k1', replayed: true });
    expect(l.apply(post('k1', [debit(G, 101n), credit(E, 101n)]), 5).code).toBe(
      'exists_with_different_input',
    );
    expect(l.account(E)?.creditsPosted).toBe(100n);
    // a failed command does not consume its key
    expect(l.apply(post('k2', [debit(E, 500n), credit(G, 500n)]), 0).code).toBe('exceeds_credits');
    expect(l.apply(post('k2', [debit(E, 50n), credit(G, 50n)]), 0).code).toBe('ok');
  });

  it('enforces the escrow floor including pending debits', () => {
    const l = ledgerWith(G, E, P);
    l.apply(post('cap', [debit(G, 1000n), credit(E, 1000n)]), 0);
    expect(l.apply(hold('h1', [debit(E, 800n), credit(P, 800n)]), 0).code).toBe('ok');
    expect(l.apply(post('refund', [debit(E, 201n), credit(G, 201n)]), 0).code).toBe(
      'exceeds_credits',
    );
    expect(l.apply(post('refund', [debit(E, 200n), credit(G, 200n)]), 0).code).toBe('ok');
  });

  it('enforces credits_must_not_exceed_debits on the bank', () => {
    const l = ledgerWith(G, B, P);
    expect(l.apply(post('pay', [debit(G, 1n), credit(B, 1n)]), 0).code).toBe('exceeds_debits');
  });

  describe('two-phase', () => {
    const setup = () => {
      const l = ledgerWith(G, E, P);
      l.apply(post('cap', [debit(G, 1000n), credit(E, 1000n)]), 0);
      expect(l.apply(hold('h', [debit(E, 1000n), credit(P, 1000n)], 60), 0).code).toBe('ok');
      return l;
    };

    it('partial post releases the remainder', () => {
      const l = setup();
      expect(
        l.apply(
          { type: 'post_pending', key: 'p', pendingKey: 'h', amountPaise: 600n, meta: M },
          1000,
        ).code,
      ).toBe('ok');
      expect(l.account(E)).toMatchObject({
        debitsPosted: 600n,
        creditsPosted: 1000n,
        debitsPending: 0n,
      });
      expect(l.account(P)).toMatchObject({ creditsPosted: 600n, creditsPending: 0n });
      expect(l.pendingState('h')).toBe('posted');
      expect(l.apply({ type: 'void_pending', key: 'v', pendingKey: 'h', meta: M }, 1000).code).toBe(
        'pending_already_resolved',
      );
    });

    it.each<[string, LedgerCommand, number, ResultCode]>([
      ['full post', { type: 'post_pending', key: 'p', pendingKey: 'h', meta: M }, 0, 'ok'],
      [
        'post with lines',
        {
          type: 'post_pending',
          key: 'p',
          pendingKey: 'h',
          lines: [debit(E, 5n), credit(P, 5n)],
          meta: M,
        },
        0,
        'ok',
      ],
      [
        'post both amount and lines',
        {
          type: 'post_pending',
          key: 'p',
          pendingKey: 'h',
          amountPaise: 5n,
          lines: [debit(E, 5n), credit(P, 5n)],
          meta: M,
        },
        0,
        'post_amount_exceeds_pending',
      ],
      [
        'post too much',
        { type: 'post_pending', key: 'p', pendingKey: 'h', amountPaise: 1001n, meta: M },
        0,
        'post_amount_exceeds_pending',
      ],
      [
        'post zero',
        { type: 'post_pending', key: 'p', pendingKey: 'h', amountPaise: 0n, meta: M },
        0,
        'amount_must_be_positive',
      ],
      [
        'post unknown',
        { type: 'post_pending', key: 'p', pendingKey: 'nope', meta: M },
        0,
        'pending_not_found',
      ],
      [
        'post a posted entry',
        { type: 'post_pending', key: 'p', pendingKey: 'cap', meta: M },
        0,
        'pending_not_found',
      ],
      [
        'post after timeout',
        { type: 'post_pending', key: 'p', pendingKey: 'h', meta: M },
        60_000,
        'pending_expired',
      ],
      ['void', { type: 'void_pending', key: 'v', pendingKey: 'h', meta: M }, 59_999, 'ok'],
      [
        'expire early',
        { type: 'expire_pending', key: 'x', pendingKey: 'h', meta: M },
        59_999,
        'pending_not_yet_expired',
      ],
      ['expire', { type: 'expire_pending', key: 'x', pendingKey: 'h', meta: M }, 60_000, 'ok'],
      [
        'reverse pending',
        { type: 'reverse', key: 'r', entryKey: 'h', meta: M },
        0,
        'reversal_of_pending_entry',
      ],
    ])('%s', (_name, cmd, at, code) => {
      const l = setup();
      expect(l.apply(cmd, at).code).toBe(code);
    });

    it('an expired hold cannot be voided, and the expiry job sees it', () => {
      const l = setup();
      expect(l.expiredPendingKeys(59_999)).toEqual([]);
      expect(l.expiredPendingKeys(60_000)).toEqual(['h']);
      l.apply({ type: 'expire_pending', key: 'x', pendingKey: 'h', meta: M }, 60_000);
      expect(
        l.apply({ type: 'void_pending', key: 'v', pendingKey: 'h', meta: M }, 60_000).code,
      ).toBe('pending_expired');
      expect(l.account(E)?.debitsPending).toBe(0n);
    });
  });

  describe('reversal', () => {
    it('mirrors once, never a reversal, never unknown; respects floors', () => {
      const l = ledgerWith(G, E, P);
      l.apply(post('cap', [debit(G, 1000n), credit(E, 1000n)]), 0);
      l.apply(post('rel', [debit(E, 1000n), credit(P, 1000n)]), 0);
      expect(l.apply({ type: 'reverse', key: 'r0', entryKey: 'nope', meta: M }, 0).code).toBe(
        'reversal_of_unknown_entry',
      );
      expect(l.apply({ type: 'reverse', key: 'r1', entryKey: 'rel', meta: M }, 0).code).toBe('ok');
      expect(l.account(P)).toMatchObject({ debitsPosted: 1000n, creditsPosted: 1000n });
      expect(l.entry('r1')?.reversalOf).toBe('rel');
      expect(l.apply({ type: 'reverse', key: 'r2', entryKey: 'rel', meta: M }, 0).code).toBe(
        'already_reversed',
      );
      expect(l.apply({ type: 'reverse', key: 'r3', entryKey: 'r1', meta: M }, 0).code).toBe(
        'reversal_of_reversal',
      );
      // reversing the capture would take escrow below zero
      l.apply(post('refund', [debit(E, 1000n), credit(G, 1000n)]), 0);
      expect(l.apply({ type: 'reverse', key: 'r4', entryKey: 'cap', meta: M }, 0).code).toBe(
        'exceeds_credits',
      );
    });
  });

  it('batch is all or nothing and reports the failing index', () => {
    const l = ledgerWith(G, E, P);
    const r = l.apply(
      {
        type: 'batch',
        commands: [
          post('a', [debit(G, 10n), credit(E, 10n)]),
          post('b', [debit(E, 11n), credit(P, 11n)]),
        ],
      },
      0,
    );
    expect(r).toEqual({ code: 'exceeds_credits', failedIndex: 1 });
    expect(l.entries()).toHaveLength(0);
    expect(l.account(E)?.creditsPosted).toBe(0n);
    expect(l.apply(post('a', [debit(G, 10n), credit(E, 10n)]), 0).code).toBe('ok'); // key not consumed
  });

  it('rejects an invalid hold timeout', () => {
    const l = ledgerWith(G, E);
    expect(l.apply(hold('h', [debit(G, 1n), credit(E, 1n)], -1), 0).code).toBe('invalid_timeout');
    expect(l.apply(hold('h', [debit(G, 1n), credit(E, 1n)], 1.5), 0).code).toBe('invalid_timeout');
  });

  it('trial balance groups by type and nets to zero', () => {
    const l = ledgerWith(G, E, P, C);
    l.apply(post('cap', [debit(G, 1000n), credit(E, 1000n)]), 0);
    l.apply(post('rel', [debit(E, 1000n), credit(P, 900n), credit(C, 100n)]), 0);
    const tb = l.trialBalance();
    expect(tb.byType.asset.balance).toBe(1000n);
    expect(tb.byType.liability.balance).toBe(900n);
    expect(tb.byType.revenue.balance).toBe(100n);
    expect(tb.netPaise).toBe(0n);
    expect(tb.balanced).toBe(true);
  });

  // -------------------------------------------------------------------------------------------
  // Model-based property test: random command sequences keep every invariant.
  // -------------------------------------------------------------------------------------------

  const ACCOUNTS = [
    G,
    B,
    E,
    'liability:escrow:order:o2',
    P,
    C,
    'liability:tax:tcs',
    'expense:goodwill',
    'equity:capital',
  ];

  type Op =
    | {
        kind: 'post' | 'hold';
        debits: number[];
        credits: number[];
        total: bigint;
        timeout: number;
        keyReuse: number | null;
      }
    | { kind: 'post_pending'; target: number; amount: bigint | null }
    | { kind: 'void' | 'expire' | 'reverse'; target: number }
    | { kind: 'batch'; a: number; b: number; total: bigint }
    | { kind: 'tick'; seconds: number };

  const accountIdx = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constantFrom('post' as const, 'hold' as const),
      debits: fc.array(accountIdx, { minLength: 1, maxLength: 3 }),
      credits: fc.array(accountIdx, { minLength: 1, maxLength: 3 }),
      total: fc.bigInt({ min: 0n, max: 100_000n }),
      timeout: fc.constantFrom(0, 30, 3600),
      keyReuse: fc.oneof(
        { arbitrary: fc.constant(null), weight: 5 },
        { arbitrary: fc.nat(), weight: 1 },
      ),
    }),
    fc.record({
      kind: fc.constant('post_pending' as const),
      target: fc.nat(),
      amount: fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { nil: null }),
    }),
    fc.record({
      kind: fc.constantFrom('void' as const, 'expire' as const, 'reverse' as const),
      target: fc.nat(),
    }),
    fc.record({
      kind: fc.constant('batch' as const),
      a: accountIdx,
      b: accountIdx,
      total: fc.bigInt({ min: 1n, max: 100_000n }),
    }),
    fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 120 }) }),
  );

  function snapshot(l: LedgerModel): Map<string, Counters> {
    return new Map(
      l.accounts().map((a) => [
        a.code,
        {
          debitsPosted: a.debitsPosted,
          creditsPosted: a.creditsPosted,
          debitsPending: a.debitsPending,
          creditsPending: a.creditsPending,
        },
      ]),
    );
  }

  const codes = new Set<ResultCode>();

  it('property: random commands keep entries balanced, Σdebits = Σcredits, floors intact, replay equal', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const l = ledgerWith(...ACCOUNTS);
        // seed funds so floors are exercised both ways
        l.apply(post('seed', [debit(B, 500_000n), credit('equity:capital', 500_000n)]), 0);
        let now = 0;
        let n = 0;
        const keys: string[] = ['seed'];
        const holdKeys: string[] = [];
        const commandsByKey = new Map<string, LedgerCommand>();
        for (const o of ops) {
          let cmd: LedgerCommand | undefined;
          const pick = (i: number) => keys[i % keys.length];
          const pickHold = (i: number) =>
            holdKeys.length > 0 && i % 5 !== 0 ? holdKeys[i % holdKeys.length] : pick(i);
          n += 1;
          switch (o.kind) {
            case 'tick':
              now += o.seconds * 1000;
              break;
            case 'post':
            case 'hold': {
              if (o.keyReuse !== null && keys.length > 0) {
                const previous = commandsByKey.get(pick(o.keyReuse));
                if (previous !== undefined && o.total % 2n === 0n) {
                  cmd = previous; // exact replay
                  break;
                }
              }
              const dParts = splitLargestRemainder(
                o.total,
                o.debits.map(() => 1n),
              );
              const cParts = splitLargestRemainder(
                o.total,
                o.credits.map(() => 1n),
              );
              const lines: Line[] = [
                ...o.debits.map((a, i) => debit(ACCOUNTS[a], dParts[i])),
                ...o.credits.map((a, i) => credit(ACCOUNTS[a], cParts[i])),
              ];
              const key = o.keyReuse !== null ? pick(o.keyReuse) : `k${n}`;
              cmd = o.kind === 'post' ? post(key, lines) : hold(key, lines, o.timeout);
              break;
            }
            case 'post_pending':
              cmd =
                o.amount === null
                  ? { type: 'post_pending', key: `k${n}`, pendingKey: pickHold(o.target), meta: M }
                  : {
                      type: 'post_pending',
                      key: `k${n}`,
                      pendingKey: pickHold(o.target),
                      amountPaise: o.amount,
                      meta: M,
                    };
              break;
            case 'void':
              cmd = { type: 'void_pending', key: `k${n}`, pendingKey: pickHold(o.target), meta: M };
              break;
            case 'expire':
              cmd = {
                type: 'expire_pending',
                key: `k${n}`,
                pendingKey: pickHold(o.target),
                meta: M,
              };
              break;
            case 'reverse':
              cmd = { type: 'reverse', key: `k${n}`, entryKey: pick(o.target), meta: M };
              break;
            case 'batch':
              cmd = {
                type: 'batch',
                commands: [
                  post(`k${n}a`, [debit(G, o.total), credit(ACCOUNTS[o.a], o.total)]),
                  post(`k${n}b`, [debit(ACCOUNTS[o.b], o.total), credit(G, o.total)]),
                ],
              };
              break;
          }
          if (cmd === undefined) continue;
          const before = snapshot(l);
          const entriesBefore = l.entries().length;
          const r = l.apply(cmd, now);
          codes.add(r.code);
          if (r.code !== 'ok' || r.replayed === true) {
            // no effect at all
            expect(snapshot(l)).toEqual(before);
            expect(l.entries().length).toBe(entriesBefore);
          } else if (cmd.type !== 'batch' && cmd.type !== 'open_account') {
            keys.push(cmd.key);
            if (cmd.type === 'hold') holdKeys.push(cmd.key);
            commandsByKey.set(cmd.key, cmd);
          }
          // invariants after every step
          const tb = l.trialBalance();
          expect(tb.netPaise).toBe(0n);
          expect(tb.totalDebitsPending).toBe(tb.totalCreditsPending);
          for (const a of l.accounts()) expect(checkConstraints(a.flags, a)).toBeUndefined();
          for (const e of l.entries()) expect(validateLines(e.lines)).toBe('ok');
        }
        expect(l.replayCounters()).toEqual(snapshot(l));
      }),
      { numRuns: 300 },
    );
    // the generator really reaches the interesting paths (pending_expired / pending_already_resolved
    // are reached in most runs too, but not reliably enough to assert; unit tests above cover them)
    for (const code of [
      'ok',
      'exceeds_credits',
      'exceeds_debits',
      'exists_with_different_input',
      'already_reversed',
      'same_account_both_sides',
      'pending_not_found',
    ] as const) {
      expect(codes).toContain(code);
    }
  });
});
