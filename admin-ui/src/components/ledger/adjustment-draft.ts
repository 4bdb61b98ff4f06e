import type { components } from '../../api/schema';
import { parseRupees } from '../../lib/money';

export type AdjustmentLine = components['schemas']['AdjustmentLineDto'];

/** A line as typed: an account code, a side and an amount in rupees. */
export interface DraftLine {
  account: string;
  side: AdjustmentLine['side'];
  rupees: string;
}

/** The API's bounds on a proposal's lines. */
export const MIN_LINES = 2;
export const MAX_LINES = 64;

/**
 * A proposal's lines as typed, checked as the API checks them before it posts anything: each line an
 * account and a positive amount, 2 to 64 lines, debits equal to credits. `lines` is what to send, or
 * null while something is missing; the totals show how far from balanced it is.
 */
export function adjustmentDraft(draft: DraftLine[]): {
  lines: AdjustmentLine[] | null;
  debitPaise: number;
  creditPaise: number;
  balanced: boolean;
} {
  const parsed = draft.map((d) => ({
    account: d.account.trim(),
    side: d.side,
    amountPaise: parseRupees(d.rupees),
  }));
  const total = (side: AdjustmentLine['side']) =>
    parsed.reduce((sum, l) => sum + (l.side === side ? (l.amountPaise ?? 0) : 0), 0);
  const debitPaise = total('debit');
  const creditPaise = total('credit');
  const balanced = debitPaise > 0 && debitPaise === creditPaise;
  const complete =
    parsed.length >= MIN_LINES &&
    parsed.length <= MAX_LINES &&
    parsed.every((l) => l.account !== '' && l.amountPaise !== null);
  return {
    lines:
      complete && balanced
        ? parsed.map((l) => ({ account: l.account, side: l.side, amountPaise: l.amountPaise! }))
        : null,
    debitPaise,
    creditPaise,
    balanced,
  };
}
