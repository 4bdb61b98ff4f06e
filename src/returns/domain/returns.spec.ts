/**
 * The returns of ledger-spec vector 21, computed from the in-memory model's journal, against the
 * figures computed by hand in the vector (`expected.returns`).
 */
import { join } from 'node:path';
import { loadRateBook, loadScenario, vectorFiles } from '../../ledger/ledger-spec-files.js';
import { ScenarioRunner } from '../../ledger/domain/scenario.js';
import { parsePeriod, periodOf, type ReturnType } from './periods.js';
import { gstr8, percentOf, type Supply, type SupplierInfo, tds194o } from './returns.js';
import { type JournalEntry, movementsOf } from './tax-movements.js';

const file = vectorFiles().find((f) => f.endsWith(join('vectors', '21-statutory-returns.json')))!;
const scenario = loadScenario(file);
const runner = new ScenarioRunner(scenario, loadRateBook());
runner.runAll();

const journal: JournalEntry[] = runner.ledger.entries().map((e) => ({
  key: e.key,
  eventType: e.meta.eventType,
  reference: e.meta.reference,
  effectiveAtMs: e.effectiveAtMs,
  metadata: e.meta.metadata ?? {},
  ...(e.reversalOf === undefined ? {} : { reversalOf: e.reversalOf }),
  lines: e.lines,
}));

type VectorSupplier = { name: string; gstin: string | null; pan: string | null };
const suppliers = new Map<string, SupplierInfo>(
  Object.entries(scenario.suppliers as unknown as Record<string, VectorSupplier>).map(
    ([ref, s]) => {
      const [kind, id] = ref.split(':') as ['dealer' | 'technician', string];
      return [id, { kind, id, name: s.name, gstin: s.gstin, pan: s.pan }];
    },
  ),
);
const supplies = new Map<string, Supply>();
for (const e of scenario.events) {
  if (e.event === 'order_payment_captured')
    supplies.set(`order:${String(e.orderId)}`, e.supply as Supply);
  if (e.event === 'repair_payment_captured')
    supplies.set(`job:${String(e.jobId)}`, e.supply as Supply);
}

const inputsOf = (returnType: ReturnType, key: string) => {
  const period = parsePeriod(returnType, key)!;
  return {
    period,
    ...movementsOf(journal, period.fromMs, period.toMs),
    suppliers,
    supplyOf: (reference: string) => supplies.get(reference)!,
  };
};

/** bigints as decimal strings, the vectors' form of money. */
const asVector = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

interface Expected {
  gstr8: Record<
    string,
    { rows: unknown; amendments: unknown; totals: unknown; journalTcsPaise: string }
  >;
  tds194o: Record<string, { deductees: unknown; totals: unknown; journalTdsPaise: string }>;
}
const expected = (scenario.expected as unknown as { returns: Expected }).returns;

describe('statutory returns of ledger-spec vector 21', () => {
  it.each(Object.keys(expected.gstr8))('GSTR-8 %s', (key) => {
    const r = gstr8(inputsOf('gstr8', key));
    const want = expected.gstr8[key]!;
    expect(asVector({ rows: r.rows, amendments: r.amendments, totals: r.totals })).toEqual({
      rows: want.rows,
      amendments: want.amendments,
      totals: want.totals,
    });
    expect(r.reconciliation.journalMovementPaise.toString()).toBe(want.journalTcsPaise);
    expect(r.reconciliation).toMatchObject({ reconciled: true, exceptions: [] });
  });

  it.each(Object.keys(expected.tds194o))('194-O %s', (key) => {
    const r = tds194o(inputsOf('tds194o', key));
    const want = expected.tds194o[key]!;
    expect(asVector({ deductees: r.deductees, totals: r.totals })).toEqual({
      deductees: want.deductees,
      totals: want.totals,
    });
    expect(r.reconciliation.journalMovementPaise.toString()).toBe(want.journalTdsPaise);
    expect(r.reconciliation.reconciled).toBe(true);
  });

  it('lists TCS on a tax account that no return reports as an exception', () => {
    const period = parsePeriod('gstr8', '2026-11')!;
    const { movements, others } = movementsOf(journal, period.fromMs, period.toMs);
    const adjusted = [
      ...others,
      {
        key: 'adjustment:a1',
        eventType: 'manual_adjustment',
        effectiveAtMs: period.fromMs,
        tcsPaise: 5n,
        tdsPaise: 0n,
        gstOutputPaise: 0n,
      },
    ];
    const r = gstr8({ ...inputsOf('gstr8', '2026-11'), movements, others: adjusted });
    expect(r.reconciliation).toMatchObject({
      returnTotalPaise: 1566n,
      journalMovementPaise: 1571n,
      differencePaise: 5n,
      reconciled: false,
      exceptions: [{ key: 'adjustment:a1', eventType: 'manual_adjustment', amountPaise: 5n }],
    });
  });
});

describe('return periods (IST)', () => {
  it('names months and financial-year quarters and finds the one of an instant', () => {
    const nov = parsePeriod('gstr8', '2026-11')!;
    expect([new Date(nov.fromMs).toISOString(), new Date(nov.toMs).toISOString()]).toEqual([
      '2026-10-31T18:30:00.000Z',
      '2026-11-30T18:30:00.000Z',
    ]);
    const q4 = parsePeriod('tds194o', '2026-27-Q4')!;
    expect([new Date(q4.fromMs).toISOString(), new Date(q4.toMs).toISOString()]).toEqual([
      '2026-12-31T18:30:00.000Z',
      '2027-03-31T18:30:00.000Z',
    ]);
    expect(periodOf('tds194o', Date.parse('2026-12-31T18:29:59.999Z')).key).toBe('2026-27-Q3');
    expect(periodOf('tds194o', Date.parse('2026-12-31T18:30:00Z')).key).toBe('2026-27-Q4');
    expect(periodOf('gstr8', Date.parse('2026-11-30T18:30:00Z')).key).toBe('2026-12');
    expect(parsePeriod('tds194o', '2026-28-Q1')).toBeUndefined();
    expect(parsePeriod('gstr1', '2026-13')).toBeUndefined();
  });

  it('writes rates as percentages exactly', () => {
    expect([percentOf('0.001'), percentOf('0.05'), percentOf('0.005')]).toEqual([
      '0.1',
      '5',
      '0.5',
    ]);
  });
});
