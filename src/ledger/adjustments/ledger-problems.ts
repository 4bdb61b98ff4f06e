import { AppProblem } from '../../common/errors/problem.js';
import { RESULT_CODES, type ResultCode } from '../domain/result-codes.js';

/** `unbalanced` → `ledger/unbalanced`, `account_not_found` → `ledger/account-not-found`. */
export function ledgerProblemCode(code: ResultCode): string {
  return `ledger/${code.replace(/_/g, '-')}`;
}

/**
 * Results that depend on the current state of the ledger (balances, keys already used) conflict
 * with it (409); everything else is a request the ledger can never accept as given (422).
 */
const CONFLICTS: ReadonlySet<ResultCode> = new Set([
  'exceeds_credits',
  'exceeds_debits',
  'overflows_counter',
  'exists_with_different_input',
]);

/** A refused ledger command as problem+json: the result code in `code` and `resultCode`. */
export function ledgerProblem(
  code: Exclude<ResultCode, 'ok'>,
  extensions: Record<string, unknown> = {},
): AppProblem {
  const status = CONFLICTS.has(code) ? 409 : 422;
  return new AppProblem(
    status,
    ledgerProblemCode(code),
    status === 409 ? 'Refused by the ledger' : 'Entry not valid',
    RESULT_CODES[code],
    { resultCode: code, ...extensions },
  );
}
