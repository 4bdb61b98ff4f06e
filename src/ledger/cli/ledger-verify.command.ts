import { Injectable } from '@nestjs/common';
import { optionValue, type CliCommand } from '../../cli/cli-command.js';
import {
  LedgerIntegrityService,
  type SealAnchor,
  type VerifyReport,
} from '../integrity/ledger-integrity.service.js';

/**
 * `ledger:verify [--json] [--seal N:HASH]`: recomputes every entry hash, the seal chain, seal hashes and
 * signatures, and seal membership; exit 0 when intact, 1 naming the first bad entry (or seal), 2 on a
 * malformed argument.
 */
@Injectable()
export class LedgerVerifyCommand implements CliCommand {
  readonly name = 'ledger:verify';
  readonly description =
    'Recompute entry hashes, seals and signatures; name the first bad entry or seal (--json; --seal N:HASH checks a seal saved earlier)';

  constructor(private readonly integrity: LedgerIntegrityService) {}

  async run(args: string[]): Promise<number> {
    const anchorArg = optionValue(args, '--seal');
    let anchor: SealAnchor | undefined;
    if (anchorArg !== undefined) {
      const match = /^([1-9]\d*):([0-9a-f]{64})$/.exec(anchorArg);
      if (!match) {
        process.stderr.write(
          'ledger:verify: --seal must be N:HASH (from ledger:seal or a report)\n',
        );
        return 2;
      }
      anchor = { sealNo: match[1], hash: match[2] };
    }
    const report = await this.integrity.verify({ anchor });
    console.log(
      args.includes('--json') ? JSON.stringify(report, null, 2) : describeVerifyReport(report),
    );
    return report.ok ? 0 : 1;
  }
}

export function describeVerifyReport(r: VerifyReport): string {
  const counts =
    `${r.entriesChecked} entries checked, ${r.sealsChecked} seals covering ${r.sealedEntries} entries, ` +
    `${r.unsealedEntries} not sealed yet`;
  const last =
    r.lastSeal === null
      ? 'no seal yet'
      : `last seal ${r.lastSeal.sealNo}:${r.lastSeal.hash} (key ${r.lastSeal.keyId})`;
  if (r.ok) return `ledger intact: ${counts}; ${last}`;
  const lines = [
    `ledger NOT intact: ${r.firstProblem?.message ?? 'unknown problem'}`,
    `${r.problemsTotal} problem(s)${r.problemsTotal > r.problems.length ? `, first ${r.problems.length} listed` : ''}:`,
    ...r.problems.map((p) => `  - [${p.kind}] ${p.message}`),
    `${counts}; ${last}`,
  ];
  return lines.join('\n');
}
