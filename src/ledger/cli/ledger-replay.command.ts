import { Injectable } from '@nestjs/common';
import type { CliCommand } from '../../common/cli-command.js';
import {
  type CounterValues,
  LedgerIntegrityService,
  type ReplayReport,
} from '../integrity/ledger-integrity.service.js';

/**
 * `ledger:replay`: recomputes every account's counters from the journal (from genesis) and compares
 * them with the stored counters; checks Σ debits = Σ credits per entry and overall. Exit 0 / 1.
 */
@Injectable()
export class LedgerReplayCommand implements CliCommand {
  readonly name = 'ledger:replay';
  readonly description =
    'Recompute every account balance from the journal and compare with the stored counters (--json)';

  constructor(private readonly integrity: LedgerIntegrityService) {}

  async run(args: string[]): Promise<number> {
    const report = await this.integrity.replay();
    console.log(
      args.includes('--json') ? JSON.stringify(report, null, 2) : describeReplayReport(report),
    );
    return report.ok ? 0 : 1;
  }
}

function describeCounters(c: CounterValues): string {
  return `debits posted ${c.debitsPosted}, credits posted ${c.creditsPosted}, debits pending ${c.debitsPending}, credits pending ${c.creditsPending}`;
}

export function describeReplayReport(r: ReplayReport): string {
  const counts = `${r.accountsChecked} accounts, ${r.entriesChecked} entries`;
  if (r.ok) {
    return `ledger counters reproduce from the journal: ${counts}; ${describeCounters(r.totals.journal)}`;
  }
  const lines: string[] = [];
  const first = r.mismatches[0];
  if (first !== undefined) {
    lines.push(
      `ledger counters do NOT reproduce: account ${first.code} (id ${first.accountId}) differs from the journal`,
      `${r.mismatchesTotal} account(s) differ${r.mismatchesTotal > r.mismatches.length ? `, first ${r.mismatches.length} listed` : ''}:`,
    );
    for (const m of r.mismatches) {
      lines.push(
        `  - ${m.code} (id ${m.accountId})`,
        `      stored:  ${describeCounters(m.stored)}`,
        `      journal: ${describeCounters(m.journal)}`,
      );
    }
  }
  if (r.unbalancedTotal > 0) {
    lines.push(`${r.unbalancedTotal} entry(ies) do not balance:`);
    for (const u of r.unbalancedEntries) {
      lines.push(`  - entry ${u.entryId} (seq ${u.seq}): debits ${u.debits}, credits ${u.credits}`);
    }
  }
  if (!r.totals.balanced) {
    lines.push(
      'totals do not balance:',
      `  journal: ${describeCounters(r.totals.journal)}`,
      `  stored:  ${describeCounters(r.totals.stored)}`,
    );
  }
  lines.push(counts);
  return lines.join('\n');
}
