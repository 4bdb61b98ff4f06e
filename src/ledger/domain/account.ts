/**
 * Accounts: type, normal balance, balance-constraint flags, the four TigerBeetle-style counters,
 * balance functions and the chart-of-accounts code grammar.
 */
import { assert } from './assert.js';
import { MAX_COUNTER_PAISE, type Paise } from './money.js';

export const ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'revenue', 'expense'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export type Side = 'debit' | 'credit';

/** Assets and expenses grow with debits; liabilities, equity and revenue with credits. */
export function normalSide(type: AccountType): Side {
  return type === 'asset' || type === 'expense' ? 'debit' : 'credit';
}

export interface AccountFlags {
  /** debitsPosted + debitsPending ≤ creditsPosted (a floor at zero for a credit-normal account). */
  readonly debitsMustNotExceedCredits: boolean;
  /** creditsPosted + creditsPending ≤ debitsPosted (a floor at zero for a debit-normal account). */
  readonly creditsMustNotExceedDebits: boolean;
}

export const NO_FLAGS: AccountFlags = {
  debitsMustNotExceedCredits: false,
  creditsMustNotExceedDebits: false,
};

export interface Counters {
  readonly debitsPosted: Paise;
  readonly creditsPosted: Paise;
  readonly debitsPending: Paise;
  readonly creditsPending: Paise;
}

export const ZERO_COUNTERS: Counters = {
  debitsPosted: 0n,
  creditsPosted: 0n,
  debitsPending: 0n,
  creditsPending: 0n,
};

export interface Account extends Counters {
  readonly code: string;
  readonly type: AccountType;
  readonly flags: AccountFlags;
  readonly currency: 'INR';
}

/** A change to the counters of one account; components may be negative (pending released). */
export type CounterDelta = Counters;

export function addCounters(a: Counters, b: CounterDelta): Counters {
  return {
    debitsPosted: a.debitsPosted + b.debitsPosted,
    creditsPosted: a.creditsPosted + b.creditsPosted,
    debitsPending: a.debitsPending + b.debitsPending,
    creditsPending: a.creditsPending + b.creditsPending,
  };
}

/** Posted balance on the account's normal side. */
export function postedBalance(account: Pick<Account, 'type'> & Counters): Paise {
  return normalSide(account.type) === 'debit'
    ? account.debitsPosted - account.creditsPosted
    : account.creditsPosted - account.debitsPosted;
}

/** Net pending movement on the normal side (what posting every pending entry in full would add). */
export function pendingBalance(account: Pick<Account, 'type'> & Counters): Paise {
  return normalSide(account.type) === 'debit'
    ? account.debitsPending - account.creditsPending
    : account.creditsPending - account.debitsPending;
}

/**
 * Available balance: posted balance less pending outflows; pending inflows are not counted until
 * posted (conservative, as a bank does).
 */
export function availableBalance(account: Pick<Account, 'type'> & Counters): Paise {
  return normalSide(account.type) === 'debit'
    ? account.debitsPosted - account.creditsPosted - account.creditsPending
    : account.creditsPosted - account.debitsPosted - account.debitsPending;
}

export type ConstraintViolation = 'exceeds_credits' | 'exceeds_debits' | 'overflows_counter';

/**
 * Checks counters (after a change) against the account's flags, counting pending amounts the way
 * TigerBeetle does: held money is already spoken for. Returns the first violation or undefined.
 */
export function checkConstraints(
  flags: AccountFlags,
  c: Counters,
): ConstraintViolation | undefined {
  for (const v of [c.debitsPosted, c.creditsPosted, c.debitsPending, c.creditsPending]) {
    if (v > MAX_COUNTER_PAISE) return 'overflows_counter';
  }
  if (
    c.debitsPosted + c.debitsPending > MAX_COUNTER_PAISE ||
    c.creditsPosted + c.creditsPending > MAX_COUNTER_PAISE
  ) {
    return 'overflows_counter';
  }
  if (flags.debitsMustNotExceedCredits && c.debitsPosted + c.debitsPending > c.creditsPosted) {
    return 'exceeds_credits';
  }
  if (flags.creditsMustNotExceedDebits && c.creditsPosted + c.creditsPending > c.debitsPosted) {
    return 'exceeds_debits';
  }
  return undefined;
}

/** Counters are never negative: a negative counter means a delta was computed wrongly. */
export function assertCountersSane(code: string, c: Counters): void {
  assert(
    c.debitsPosted >= 0n &&
      c.creditsPosted >= 0n &&
      c.debitsPending >= 0n &&
      c.creditsPending >= 0n,
    `account ${code}: counters must never be negative`,
  );
}

// ---------------------------------------------------------------------------------------------
// Chart of accounts: the code grammar
// ---------------------------------------------------------------------------------------------

/**
 * An account family: a code pattern of fixed segments and `<placeholders>`. The first segment is
 * always the account type. A placeholder matches an identifier `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`.
 */
export interface AccountFamily {
  readonly pattern: string;
  readonly type: AccountType;
  readonly flags: AccountFlags;
  /** Touched by almost every entry and without a floor: must not serialize writers (persistence note). */
  readonly hot: boolean;
  readonly meaning: string;
}

const FLOOR_CREDIT_NORMAL: AccountFlags = {
  debitsMustNotExceedCredits: true,
  creditsMustNotExceedDebits: false,
};
const FLOOR_DEBIT_NORMAL: AccountFlags = {
  debitsMustNotExceedCredits: false,
  creditsMustNotExceedDebits: true,
};

export const CHART_OF_ACCOUNTS: readonly AccountFamily[] = [
  {
    pattern: 'asset:gateway_receivable',
    type: 'asset',
    flags: NO_FLAGS,
    hot: true,
    meaning:
      'Money captured by the payment gateway (Razorpay) not yet settled to the bank; refunds and Route transfers are paid from it.',
  },
  {
    pattern: 'asset:bank:<bankAccountId>',
    type: 'asset',
    flags: FLOOR_DEBIT_NORMAL,
    hot: false,
    meaning: "The platform's bank account; cannot pay out more than it holds.",
  },
  {
    pattern: 'asset:tax:gst_input',
    type: 'asset',
    flags: NO_FLAGS,
    hot: true,
    meaning: 'GST input tax credit on purchases (the GST the gateway charges on its fee).',
  },
  {
    pattern: 'liability:escrow:order:<orderId>',
    type: 'liability',
    flags: FLOOR_CREDIT_NORMAL,
    hot: false,
    meaning:
      "A buyer's payment for one order, held by the platform until release or refund; can never release more than it holds.",
  },
  {
    pattern: 'liability:escrow:job:<jobId>',
    type: 'liability',
    flags: FLOOR_CREDIT_NORMAL,
    hot: false,
    meaning:
      "A customer's payment for one repair job, held until release to the technician or refund.",
  },
  {
    pattern: 'liability:dealer_payable:<dealerId>',
    type: 'liability',
    flags: FLOOR_CREDIT_NORMAL,
    hot: false,
    meaning:
      'What the platform owes a dealer (released sales less commission, GST on commission, TCS and TDS) until paid out.',
  },
  {
    pattern: 'liability:technician_payable:<technicianId>',
    type: 'liability',
    flags: FLOOR_CREDIT_NORMAL,
    hot: false,
    meaning: 'What the platform owes a technician for released repair jobs until paid out.',
  },
  {
    pattern: 'asset:dealer_receivable:<dealerId>',
    type: 'asset',
    flags: FLOOR_DEBIT_NORMAL,
    hot: false,
    meaning:
      'What a dealer owes the platform: the part of a refund after release that its payable could not bear because it was already paid out; recovered from later releases.',
  },
  {
    pattern: 'asset:technician_receivable:<technicianId>',
    type: 'asset',
    flags: FLOOR_DEBIT_NORMAL,
    hot: false,
    meaning:
      'What a technician owes the platform after a refund of an already paid-out job; recovered from later releases.',
  },
  {
    pattern: 'liability:tax:gst_output',
    type: 'liability',
    flags: NO_FLAGS,
    hot: true,
    meaning: 'GST charged by the platform on its commission, owed to the government.',
  },
  {
    pattern: 'liability:tax:tcs',
    type: 'liability',
    flags: NO_FLAGS,
    hot: true,
    meaning: 'GST TCS collected under section 52 CGST Act from suppliers, owed to the government.',
  },
  {
    pattern: 'liability:tax:tds',
    type: 'liability',
    flags: NO_FLAGS,
    hot: true,
    meaning: 'Income-tax TDS deducted under section 194-O from suppliers, owed to the government.',
  },
  {
    pattern: 'revenue:commission',
    type: 'revenue',
    flags: NO_FLAGS,
    hot: true,
    meaning: "The platform's commission on released sales and jobs (excluding GST).",
  },
  {
    pattern: 'expense:gateway_fees',
    type: 'expense',
    flags: NO_FLAGS,
    hot: true,
    meaning: 'Payment gateway fees borne by the platform (excluding the GST on them).',
  },
  {
    pattern: 'expense:goodwill',
    type: 'expense',
    flags: NO_FLAGS,
    hot: false,
    meaning: 'Platform-funded credits and write-offs, posted only by approved manual adjustments.',
  },
  {
    pattern: 'equity:capital',
    type: 'equity',
    flags: NO_FLAGS,
    hot: false,
    meaning: "Owners' capital introduced (e.g. funding the bank account); manual adjustments only.",
  },
];

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FIXED = /^[a-z][a-z0-9_]*$/;
export const MAX_ACCOUNT_CODE_LENGTH = 200;

export interface ParsedAccountCode {
  readonly code: string;
  readonly family: AccountFamily;
  /** Placeholder values by name, e.g. `{ orderId: 'o-42' }`. */
  readonly params: Readonly<Record<string, string>>;
}

/** Parses a code against the chart; undefined if it matches no family. */
export function parseAccountCode(code: string): ParsedAccountCode | undefined {
  if (code.length === 0 || code.length > MAX_ACCOUNT_CODE_LENGTH) return undefined;
  const segments = code.split(':');
  for (const family of CHART_OF_ACCOUNTS) {
    const pattern = family.pattern.split(':');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matches = true;
    for (let i = 0; i < pattern.length && matches; i += 1) {
      const p = pattern[i];
      const s = segments[i];
      if (p.startsWith('<')) {
        if (IDENTIFIER.test(s)) params[p.slice(1, -1)] = s;
        else matches = false;
      } else {
        matches = FIXED.test(s) && p === s;
      }
    }
    if (matches) return { code, family, params };
  }
  return undefined;
}

/** Builds a code from a family pattern and its placeholder values (asserting the result parses). */
export function accountCode(
  pattern: string,
  params: Readonly<Record<string, string>> = {},
): string {
  const code = pattern.replace(/<([A-Za-z]+)>/g, (_m, name: string) => {
    const value = params[name];
    assert(value !== undefined, `account code ${pattern}: missing ${name}`);
    return value;
  });
  const parsed = parseAccountCode(code);
  assert(parsed !== undefined && parsed.family.pattern === pattern, `invalid account code ${code}`);
  return code;
}

/** A new account for a code of the chart, with zero counters; undefined for an invalid code. */
export function openAccountFor(code: string): Account | undefined {
  const parsed = parseAccountCode(code);
  if (parsed === undefined) return undefined;
  return {
    code,
    type: parsed.family.type,
    flags: parsed.family.flags,
    currency: 'INR',
    ...ZERO_COUNTERS,
  };
}

/** Well-known account codes (families without placeholders) and builders for the others. */
export const Accounts = {
  gatewayReceivable: 'asset:gateway_receivable',
  gstInput: 'asset:tax:gst_input',
  gstOutput: 'liability:tax:gst_output',
  tcs: 'liability:tax:tcs',
  tds: 'liability:tax:tds',
  commission: 'revenue:commission',
  gatewayFees: 'expense:gateway_fees',
  goodwill: 'expense:goodwill',
  capital: 'equity:capital',
  bank: (bankAccountId: string) => accountCode('asset:bank:<bankAccountId>', { bankAccountId }),
  orderEscrow: (orderId: string) => accountCode('liability:escrow:order:<orderId>', { orderId }),
  jobEscrow: (jobId: string) => accountCode('liability:escrow:job:<jobId>', { jobId }),
  dealerPayable: (dealerId: string) =>
    accountCode('liability:dealer_payable:<dealerId>', { dealerId }),
  technicianPayable: (technicianId: string) =>
    accountCode('liability:technician_payable:<technicianId>', { technicianId }),
  dealerReceivable: (dealerId: string) =>
    accountCode('asset:dealer_receivable:<dealerId>', { dealerId }),
  technicianReceivable: (technicianId: string) =>
    accountCode('asset:technician_receivable:<technicianId>', { technicianId }),
} as const;
