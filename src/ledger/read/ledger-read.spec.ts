import {
  exactJson,
  LEDGER_CSV_COLUMNS,
  ledgerExportChunks,
  ledgerJsonLine,
} from './ledger-export.js';
import { exactNumber } from './ledger-read.mapper.js';
import type { EntryRecord } from './ledger-read.service.js';
import { buildTrialBalance } from './trial-balance.js';

const entry: EntryRecord = {
  seq: 7n,
  id: 'adjustment:a,1',
  kind: 'posted',
  eventType: 'manual_adjustment',
  reference: '=HYPERLINK("http://evil.example")',
  actor: 'u-1',
  effectiveAt: new Date('2026-11-20T10:00:00.123Z'),
  metadata: { reason: 'line one\nline "two"' },
  pendingId: null,
  reversalOf: null,
  timeoutAt: null,
  inputHash: 'f'.repeat(64),
  result: { code: 'ok', entryKey: 'adjustment:a,1' },
  hash: 'e'.repeat(64),
  lines: [
    { lineNo: 0, account: 'asset:bank:b-1', side: 'debit', amount: 9_223_372_036_854_775_807n },
    { lineNo: 1, account: 'equity:capital', side: 'credit', amount: 9_223_372_036_854_775_807n },
  ],
  seal: null,
};

describe('ledger export rendering', () => {
  it('JSON Lines keep amounts beyond 2^53 exact', () => {
    const line = ledgerJsonLine(entry);
    expect(line.endsWith('\n')).toBe(true);
    expect(line).toContain('"amount":9223372036854775807');
    expect(exactJson({ a: [1n, -2n, null, 'x"y'], b: true })).toBe(
      '{"a":[1,-2,null,"x\\"y"],"b":true}',
    );
    // Everything but the bigints reads back as JSON.parse would give it.
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ id: entry.id, reference: entry.reference, seal: null, seq: 7 });
  });

  it('CSV: one record per line, every column, quotes doubled and formulas neutralised', async () => {
    async function* batches() {
      yield [entry];
    }
    let csv = '';
    for await (const chunk of ledgerExportChunks(batches(), 'csv')) csv += chunk;
    const rows = csv.split('\r\n');
    expect(rows.shift()).toBe(LEDGER_CSV_COLUMNS.join(','));
    expect(rows.pop()).toBe('');
    expect(rows).toHaveLength(2);
    expect(rows[0].startsWith('7,"adjustment:a,1",posted,manual_adjustment,')).toBe(true);
    expect(rows[0]).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(rows[0]).toContain('"{""reason"":""line one\\nline \\""two\\""""}"');
    expect(rows[0]).toContain(',0,asset:bank:b-1,debit,9223372036854775807,');
    expect(rows[0].endsWith(`${'e'.repeat(64)},,,,,,`)).toBe(true);
    expect(LEDGER_CSV_COLUMNS).toHaveLength(24);
  });
});

describe('ledger read mapping', () => {
  it('refuses to round a bigint into a JSON number', () => {
    expect(exactNumber(9007199254740991n, 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(exactNumber(-9007199254740991n, 'x')).toBe(-Number.MAX_SAFE_INTEGER);
    expect(() => exactNumber(9007199254740992n, 'amount')).toThrow(/beyond JSON's exact integers/);
  });
});

describe('trial balance', () => {
  const zero = { debitsPending: 0n, creditsPending: 0n };

  it('puts each net balance in one column, totals by type and overall, and checks them', () => {
    const tb = buildTrialBalance([
      { code: 'asset:bank:b-1', type: 'asset', debitsPosted: 500n, creditsPosted: 200n, ...zero },
      {
        code: 'liability:dealer_payable:d-1',
        type: 'liability',
        debitsPosted: 50n,
        creditsPosted: 150n,
        debitsPending: 0n,
        creditsPending: 40n,
      },
      {
        code: 'liability:escrow:order:o-1',
        type: 'liability',
        debitsPosted: 100n,
        creditsPosted: 300n,
        debitsPending: 40n,
        creditsPending: 0n,
      },
      { code: 'expense:goodwill', type: 'expense', debitsPosted: 0n, creditsPosted: 0n, ...zero },
    ]);
    expect(tb.groups.map((g) => g.type)).toEqual([
      'asset',
      'liability',
      'equity',
      'revenue',
      'expense',
    ]);
    expect(tb.groups[0].accounts[0]).toMatchObject({ debitBalance: 300n, creditBalance: 0n });
    expect(tb.groups[1]).toMatchObject({
      normalSide: 'credit',
      balance: 300n,
      totals: { debitBalance: 0n, creditBalance: 300n, debitsPosted: 150n, creditsPosted: 450n },
    });
    expect(tb.totals).toEqual({
      debitBalance: 300n,
      creditBalance: 300n,
      debitsPosted: 650n,
      creditsPosted: 650n,
    });
    expect(tb.pending).toEqual({ debits: 40n, credits: 40n, balanced: true });
    expect(tb.balanced).toBe(true);
  });

  it('says when the columns disagree', () => {
    const tb = buildTrialBalance([
      { code: 'asset:bank:b-1', type: 'asset', debitsPosted: 501n, creditsPosted: 0n, ...zero },
      { code: 'equity:capital', type: 'equity', debitsPosted: 0n, creditsPosted: 500n, ...zero },
    ]);
    expect(tb.balanced).toBe(false);
    expect(tb.totals.debitBalance - tb.totals.creditBalance).toBe(1n);
  });
});
