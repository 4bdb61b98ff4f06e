import { Injectable } from '@nestjs/common';
import { optionValue, type CliCommand } from '../../common/cli-command.js';
import { AuditAnchorService, type AnchoredAuditVerification } from '../audit-anchor.service.js';
import { AuditQueryService, type AuditVerification } from '../audit-query.service.js';

/**
 * `audit:verify`: recomputes the whole hash chain and checks it against the newest anchor (a signed
 * head kept outside PostgreSQL); exit 0 when intact, 1 naming the first bad event or the anchor the
 * chain no longer holds. `--no-anchor` skips the anchor (with a warning); `--head COUNT:HASH` also
 * checks a head saved by hand.
 */
@Injectable()
export class AuditVerifyCommand implements CliCommand {
  readonly name = 'audit:verify';
  readonly description =
    'Recompute the audit hash chain, check it against the newest anchor and name the first bad event (--json; --no-anchor; --head COUNT:HASH checks a saved head)';

  constructor(
    private readonly events: AuditQueryService,
    private readonly anchors: AuditAnchorService,
  ) {}

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
    const skipAnchor = args.includes('--no-anchor');
    if (skipAnchor)
      process.stderr.write(
        'audit:verify: WARNING: --no-anchor: not checked against the anchors kept outside the ' +
          'database; a rewritten chain (edited, every later hash recomputed) passes this check\n',
      );
    let result: AuditVerification | AnchoredAuditVerification = expect
      ? await this.events.verify(expect)
      : await this.anchors.verify({ skipAnchor });
    if (expect && result.intact) result = await this.anchors.verify({ skipAnchor });
    console.log(
      args.includes('--json') ? JSON.stringify(result, null, 2) : describeVerification(result),
    );
    return result.intact ? 0 : 1;
  }
}

export function describeVerification(
  result: AuditVerification | AnchoredAuditVerification,
): string {
  const anchor = 'anchor' in result ? result.anchor : null;
  const anchorText = anchor
    ? `anchor ${anchor.key} (seq ${anchor.count}, hash ${anchor.hash}, anchored ${anchor.at})`
    : null;
  if (result.intact) {
    return (
      `audit chain intact: ${result.count} events, head ${result.head.hash}` +
      (anchorText ? `; holds ${anchorText}` : 'anchor' in result ? '; not anchored yet' : '')
    );
  }
  const bad = result.firstBad;
  const what = `seq ${bad.seq} (${bad.eventId ? `event ${bad.eventId}` : 'no event'}): ${bad.problem}: ${bad.detail}`;
  const againstAnchor =
    anchorText !== null && ['head_mismatch', 'truncated', 'anchor_signature'].includes(bad.problem);
  return againstAnchor
    ? `audit chain TAMPERED: does not hold ${anchorText}: at ${what}; ` +
        `${result.count} events verified before it`
    : `audit chain broken at ${what}; ${result.count} events verified before it`;
}
