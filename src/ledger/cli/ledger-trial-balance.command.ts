import { Injectable } from '@nestjs/common';
import { optionValue, type CliCommand } from '../../common/cli-command.js';
import { LedgerReadService } from '../read/ledger-read.service.js';
import { buildTrialBalance } from '../read/trial-balance.js';

/**
 * `ledger:trial-balance [--as-of INSTANT]`: the trial balance (the read behind
 * `GET /ledger/trial-balance`) as JSON on stdout, amounts in paise as strings: now from the
 * accounts' counters, or as of an instant recomputed from the journal (entries by effective time).
 * The instant the report holds at goes to stderr, so two reports compare byte for byte.
 * Exit 0, or 2 on a malformed instant.
 */
@Injectable()
export class LedgerTrialBalanceCommand implements CliCommand {
  readonly name = 'ledger:trial-balance';
  readonly description =
    'Print the trial balance as JSON: now, or --as-of INSTANT (recomputed from the journal)';

  constructor(private readonly ledger: LedgerReadService) {}

  async run(args: string[]): Promise<number> {
    const asOfArg = optionValue(args, '--as-of');
    const asOf = asOfArg === undefined ? undefined : new Date(asOfArg);
    if (asOf !== undefined && Number.isNaN(asOf.getTime())) {
      process.stderr.write('ledger:trial-balance: --as-of must be an ISO 8601 instant\n');
      return 2;
    }
    const { accounts, at } = await this.ledger.accountsAt(asOf);
    const report = buildTrialBalance(accounts);
    process.stderr.write(`ledger:trial-balance: as of ${at.asOf.toISOString()} (${at.source})\n`);
    console.log(
      JSON.stringify(report, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2),
    );
    return 0;
  }
}
