import { Injectable } from '@nestjs/common';
import { optionValue, type CliCommand } from '../../common/cli-command.js';
import {
  LedgerAnchorService,
  type AnchoredVerifyReport,
} from '../integrity/ledger-anchor.service.js';
import { LedgerIntegrityService, type SealAnchor } from '../integrity/ledger-integrity.service.js';

/**
 * `ledger:verify [--json] [--seal N:HASH] [--no-anchor]`: recomputes every entry hash, the seal chain,
 * seal hashes and signatures, and seal membership, and checks the newest anchor (a seal kept outside
 * the database; or the seal given with --seal) still holds; exit 0 when intact, 1 naming the first
 * bad entry (or seal), 2 on a malformed argument.
 */
@Injectable()
export class LedgerVerifyCommand implements CliCommand {
  readonly name = 'ledger:verify';
  readonly description =
    'Recompute entry hashes, seals and signatures, check the newest anchor; name the first bad entry or seal (--json; --no-anchor; --seal N:HASH checks a seal saved earlier)';

  constructor(
    private readonly integrity: LedgerIntegrityService,
    private readonly anchors: LedgerAnchorService,
  ) {}

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
    let report: AnchoredVerifyReport;
    if (args.includes('--no-anchor')) {
      process.stderr.write(
        'ledger:verify: WARNING: --no-anchor: not checked against the anchors kept outside the ' +
          'database; a rewritten ledger with recomputed, re-signed seals passes this check\n',
      );
      report = await this.integrity.verify({ anchor });
    } else report = await this.anchors.verifyAnchored(anchor);
    console.log(
      args.includes('--json') ? JSON.stringify(report, null, 2) : describeVerifyReport(report),
    );
    return report.ok ? 0 : 1;
  }
}

export function describeVerifyReport(r: AnchoredVerifyReport): string {
  const counts =
    `${r.entriesChecked} entries checked, ${r.sealsChecked} seals covering ${r.sealedEntries} entries, ` +
    `${r.unsealedEntries} not sealed yet`;
  const last =
    (r.lastSeal === null
      ? 'no seal yet'
      : `last seal ${r.lastSeal.sealNo}:${r.lastSeal.hash} (key ${r.lastSeal.keyId})`) +
    (r.anchor
      ? `; checked against anchor ${r.anchor}`
      : r.anchor === null
        ? '; no anchor yet'
        : '');
  if (r.ok) return `ledger intact: ${counts}; ${last}`;
  const lines = [
    r.anchor && r.firstProblem?.kind === 'seal_anchor'
      ? `ledger TAMPERED: does not hold anchor ${r.anchor}: ${r.firstProblem.message}`
      : `ledger NOT intact: ${r.firstProblem?.message ?? 'unknown problem'}`,
    `${r.problemsTotal} problem(s)${r.problemsTotal > r.problems.length ? `, first ${r.problems.length} listed` : ''}:`,
    ...r.problems.map((p) => `  - [${p.kind}] ${p.message}`),
    `${counts}; ${last}`,
  ];
  return lines.join('\n');
}
