import { Injectable } from '@nestjs/common';
import type { CliCommand } from '../../common/cli-command.js';
import {
  LedgerAnchorMismatchError,
  LedgerAnchorService,
} from '../integrity/ledger-anchor.service.js';
import { LedgerIntegrityService } from '../integrity/ledger-integrity.service.js';

/**
 * `ledger:seal`: seals every entry written so far and anchors the newest seal outside PostgreSQL (what
 * the scheduled job does), printing each seal and the anchor written.
 */
@Injectable()
export class LedgerSealCommand implements CliCommand {
  readonly name = 'ledger:seal';
  readonly description =
    'Seal the entries written since the last seal now (signed with LEDGER_SEAL_KEY) and anchor the newest seal (--json)';

  constructor(
    private readonly integrity: LedgerIntegrityService,
    private readonly anchors: LedgerAnchorService,
  ) {}

  async run(args: string[]): Promise<number> {
    const seals = await this.integrity.sealAll();
    let anchor: string | null;
    try {
      anchor = await this.anchors.anchor();
    } catch (err) {
      if (!(err instanceof LedgerAnchorMismatchError)) throw err;
      process.stderr.write(`ledger:seal: ${err.message}\n`);
      return 1;
    }
    if (args.includes('--json')) {
      console.log(JSON.stringify({ keyId: this.integrity.sealKeyId, seals, anchor }, null, 2));
    } else if (seals.length === 0) {
      console.log('nothing to seal');
    } else {
      for (const s of seals) console.log(`seal ${s.sealNo}: ${s.entries} entries, hash ${s.hash}`);
      console.log(
        `signed with key ${this.integrity.sealKeyId}${anchor ? `; anchored as ${anchor}` : ''}`,
      );
    }
    return 0;
  }
}
