import { AppProblem } from '../common/errors/problem.js';
import { RESULT_CODES, type ResultCode } from './domain/result-codes.js';

/** `unbalanced` → `ledger/unbalanced`, `account_not_found` → `ledger/account-not-found`. */
export function ledgerProblemCode(code: ResultCode): string {
  return `ledger/${code.replace(/_/g, '-')}`;
}

/**
 * Results that depend on the current state of the ledger (balances, keys already used) conflict
 * with it (409); everything else is a command the ledger can never accept as given (422).
 */
const CONFLICTS: ReadonlySet<ResultCode> = new Set([
  'exceeds_credits',
  'exceeds_debits',
  'overflows_counter',
  'exists_with_different_input',
]);

/**
 * A ledger command that did not return `ok`, as a typed error: the result code in `resultCode`
 * (callers that can act on a refusal catch it and read the code) and, when it crosses the HTTP
 * edge, as problem+json with `code` = `ledger/<result-code>`.
 */
export class LedgerRefused extends AppProblem {
  readonly resultCode: Exclude<ResultCode, 'ok'>;

  constructor(
    resultCode: Exclude<ResultCode, 'ok'>,
    /** What was being posted, for the log and the detail (e.g. `the release of <id>`). */
    what?: string,
    extensions: Record<string, unknown> = {},
  ) {
    const status = CONFLICTS.has(resultCode) ? 409 : 422;
    super(
      status,
      ledgerProblemCode(resultCode),
      status === 409 ? 'Refused by the ledger' : 'Entry not valid',
      what === undefined
        ? RESULT_CODES[resultCode]
        : `ledger refused ${what}: ${resultCode} (${RESULT_CODES[resultCode]})`,
      { resultCode, ...extensions },
    );
    this.name = 'LedgerRefused';
    this.resultCode = resultCode;
  }
}
