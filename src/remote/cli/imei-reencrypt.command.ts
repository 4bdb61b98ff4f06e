import { Injectable } from '@nestjs/common';
import type { CliCommand } from '../../common/cli-command.js';
import { TransactionRunner } from '../../database/transaction.js';
import { ImeiVault } from '../imei-vault.js';
import { imeiKeyCounts, imeisUnderOtherKeys, resealImei } from '../remote-store.js';

const BATCH = 100;

/**
 * `imei:reencrypt`: moves every IMEI in the vault to the current key (the first of IMEI_VAULT_KEYS),
 * in batches of 100 rows, each batch one transaction (rows locked, so running it twice at once is
 * safe). Afterwards the older keys can be removed from IMEI_VAULT_KEYS. Exits 1 if a row's key is not
 * configured any more (nothing else is changed for that row).
 */
@Injectable()
export class ImeiReencryptCommand implements CliCommand {
  readonly name = 'imei:reencrypt';
  readonly description =
    'Re-encrypt every stored IMEI under the current key of IMEI_VAULT_KEYS (then older keys can be removed)';

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly vault: ImeiVault,
  ) {}

  async run(): Promise<number> {
    const before = await this.transactions.run((tx) => imeiKeyCounts(tx));
    console.log(
      `imei:reencrypt: current key ${this.vault.currentKeyId}; rows per key ${JSON.stringify(before)}`,
    );
    let moved = 0;
    const failed = new Set<string>();
    for (;;) {
      const batch = await this.transactions.run(async (tx) => {
        const rows = (
          await imeisUnderOtherKeys(tx, this.vault.currentKeyId, BATCH + failed.size)
        ).filter((r) => !failed.has(r.repairJobId));
        for (const row of rows) {
          let imei: string;
          try {
            imei = this.vault.open(row.repairJobId, row);
          } catch (err) {
            failed.add(row.repairJobId);
            console.error(`imei:reencrypt: job ${row.repairJobId}: ${(err as Error).message}`);
            continue;
          }
          await resealImei(tx, row.repairJobId, this.vault.seal(row.repairJobId, imei));
          moved++;
        }
        return rows.length;
      });
      if (batch === 0) break;
    }
    const after = await this.transactions.run((tx) => imeiKeyCounts(tx));
    console.log(`imei:reencrypt: ${moved} re-encrypted; rows per key ${JSON.stringify(after)}`);
    return failed.size === 0 ? 0 : 1;
  }
}
