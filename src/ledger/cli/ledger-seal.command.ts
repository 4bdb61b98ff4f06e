import { Injectable } from '@nestjs/common';
import type { CliCommand } from '../../cli/cli-command.js';
import { LedgerIntegrityService } from '../integrity/ledger-integrity.service.js';

/**
 * `ledger:seal`: seals every entry written so far (what the scheduled job does), printing each seal.
 * Keep the last `N:HASH` off the box: `ledger:verify --seal N:HASH` then proves the chain still holds it.
 */
@Injectable()
export class LedgerSealCommand implements CliCommand {
  readonly name = 'ledger:seal';
  readonly description =
    'Seal the entries written since the last seal now (signed with LEDGER_SEAL_KEY) (--json)';

  constructor(private readonly integrity: LedgerIntegrityService) {}

  async run(args: string[]): Promise<number> {
    const seals = await this.integrity.sealAll();
    if (args.includes('--json')) {
      console.log(JSON.stringify({ keyId: this.integrity.sealKeyId, seals }, null, 2));
    } else if (seals.length === 0) {
      console.log('nothing to seal');
    } else {
      for (const s of seals) console.log(`seal ${s.sealNo}: ${s.entries} entries, hash ${s.hash}`);
      console.log(`signed with key ${this.integrity.sealKeyId}`);
    }
    return 0;
  }
}
