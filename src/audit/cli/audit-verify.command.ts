import { Injectable } from '@nestjs/common';
import { optionValue, type CliCommand } from '../../cli/cli-command.js';
import { AuditQueryService, type AuditVerification } from '../audit-query.service.js';

/** `audit:verify`: recomputes the whole hash chain; exit 0 when intact, 1 naming the first bad event. */
@Injectable()
export class AuditVerifyCommand implements CliCommand {
  readonly name = 'audit:verify';
  readonly description =
    'Recompute the audit hash chain and name the first bad event (--json; --head COUNT:HASH checks a saved head)';

  constructor(private readonly events: AuditQueryService) {}

  async run(args: string[]): Promise<number> {
    const headArg = optionValue(args, '--head');
    let expect: { count: number; hash: string } | undefined;
    if (headArg !== undefined) {
      const match = /^(\d+):([0-9a-f]{64})$/.exec(headArg);
      if (!match) {
        process.stderr.write('audit:verify: --head must be COUNT:HASH (from audit:head)\n');
        return 2;
      }
      expect = { count: Number(match[1]), hash: match[2] };
    }
    const result = await this.events.verify(expect);
    console.log(
      args.includes('--json') ? JSON.stringify(result, null, 2) : describeVerification(result),
    );
    return result.intact ? 0 : 1;
  }
}

export function describeVerification(result: AuditVerification): string {
  if (result.intact) {
    return `audit chain intact: ${result.count} events, head ${result.head.hash}`;
  }
  const bad = result.firstBad;
  return (
    `audit chain broken at seq ${bad.seq} (${bad.eventId ? `event ${bad.eventId}` : 'no event'}): ` +
    `${bad.problem}: ${bad.detail}; ${result.count} events verified before it`
  );
}
