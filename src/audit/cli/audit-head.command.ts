import { Injectable } from '@nestjs/common';
import type { CliCommand } from '../../common/cli-command.js';
import { AuditHeadSigner } from '../audit-head-signer.js';
import { AuditQueryService } from '../audit-query.service.js';
import { describeVerification } from './audit-verify.command.js';

/**
 * `audit:head [--sign]`: prints the chain head `{count, hash, at}` as JSON. With `--sign` the whole chain
 * is verified first (a broken chain is never signed) and the head is signed with AUDIT_SIGNING_KEY.
 */
@Injectable()
export class AuditHeadCommand implements CliCommand {
  readonly name = 'audit:head';
  readonly description =
    'Print the audit chain head {count, hash, at} as JSON; --sign verifies the chain and signs it (AUDIT_SIGNING_KEY)';

  constructor(
    private readonly events: AuditQueryService,
    private readonly signer: AuditHeadSigner,
  ) {}

  async run(args: string[]): Promise<number> {
    const at = new Date().toISOString();
    if (!args.includes('--sign')) {
      console.log(JSON.stringify({ ...(await this.events.head()), at }, null, 2));
      return 0;
    }
    const result = await this.events.verify();
    if (!result.intact) {
      process.stderr.write(`audit:head: not signing: ${describeVerification(result)}\n`);
      return 1;
    }
    console.log(JSON.stringify(this.signer.sign({ ...result.head, at }), null, 2));
    return 0;
  }
}
