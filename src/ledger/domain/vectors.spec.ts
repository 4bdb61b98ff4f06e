/**
 * Replays every ledger-spec vector against the in-memory model: each event's result code, then the
 * exact counters and balances of every account, and the trial balance. The same files are replayed
 * against PostgreSQL by the persistence tests.
 */
import { basename } from 'node:path';

import { ScenarioRunner } from './scenario.js';
import { loadRateBook, loadScenario, vectorFiles } from '../ledger-spec-files.js';

const book = loadRateBook();
const files = vectorFiles();

describe('ledger-spec vectors', () => {
  it('there is at least one vector per recipe plus a long mixed one', () => {
    const events = new Set(files.flatMap((f) => loadScenario(f).events.map((e) => e.event)));
    for (const e of [
      'order_payment_captured',
      'gateway_fee_charged',
      'escrow_released',
      'refund_before_release',
      'refund_after_release',
      'dispute_opened',
      'dispute_resolved',
      'hold_expired',
      'repair_payment_captured',
      'gateway_settlement',
      'supplier_payout',
      'manual_adjustment',
      'reversal',
    ]) {
      expect(events).toContain(e);
    }
    expect(files.some((f) => loadScenario(f).events.length >= 30)).toBe(true);
  });

  it.each(files.map((f) => [basename(f), f]))('%s', (_name, file) => {
    const scenario = loadScenario(file);
    const runner = new ScenarioRunner(scenario, book);
    for (const step of runner.runAll()) {
      expect({ index: step.index, event: step.event, code: step.result.code }).toEqual({
        index: step.index,
        event: step.event,
        code: step.expectedCode,
      });
    }
    expect(runner.actualAccounts()).toEqual(scenario.expected.accounts);
    expect(runner.actualTrialBalance()).toEqual(scenario.expected.trialBalance);
    expect(scenario.expected.trialBalance.netPaise).toBe('0');
    expect(scenario.expected.trialBalance.balanced).toBe(true);
    expect(runner.ledger.replayCounters()).toEqual(
      new Map(
        runner.ledger.accounts().map((a) => [
          a.code,
          {
            debitsPosted: a.debitsPosted,
            creditsPosted: a.creditsPosted,
            debitsPending: a.debitsPending,
            creditsPending: a.creditsPending,
          },
        ]),
      ),
    );
  });
});
