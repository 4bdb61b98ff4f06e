/**
 * A payee's onboarding data for Razorpay Route, checked before it is stored: PAN, GSTIN (when
 * registered: well-formed, its check character right, the PAN inside it the payee's PAN), Razorpay's
 * legal business type and the settlement bank account (beneficiary name, IFSC — its format and a
 * known bank code — and a 9 to 18 digit account number). Pure: no Nest, no SQL.
 */
import { GSTIN_PATTERN, gstinPan, isValidGstin, PAN_PATTERN } from '../../../common/gstin.js';
import { BANK_CODES } from './bank-codes.js';

/** Razorpay's `business_type` values for a linked account. */
export const BUSINESS_TYPES = [
  'individual',
  'proprietorship',
  'partnership',
  'private_limited',
  'public_limited',
  'llp',
  'ngo',
  'trust',
  'society',
  'huf',
  'educational_institutes',
  'not_yet_registered',
  'other',
] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

export const IFSC_PATTERN = /^[A-Z]{4}0[A-Z0-9]{6}$/;
export const ACCOUNT_NUMBER_PATTERN = /^[0-9]{9,18}$/;

export interface SettlementDetailsInput {
  pan: string;
  gstin: string | null;
  businessType: string;
  beneficiaryName: string;
  ifsc: string;
  accountNumber: string;
}

/** The first refusal: a stable code, the field and why. */
export interface DetailsRefusal {
  code:
    | 'payee/invalid-pan'
    | 'payee/invalid-gstin'
    | 'payee/gstin-pan-mismatch'
    | 'payee/invalid-business-type'
    | 'payee/invalid-beneficiary-name'
    | 'payee/invalid-ifsc'
    | 'payee/unknown-bank'
    | 'payee/invalid-account-number';
  field: keyof SettlementDetailsInput;
  detail: string;
}

/** Normalised (upper-cased, trimmed) details, or the first refusal. */
export function checkSettlementDetails(
  raw: SettlementDetailsInput,
): { ok: true; details: SettlementDetailsInput } | { ok: false; refusal: DetailsRefusal } {
  const d: SettlementDetailsInput = {
    pan: raw.pan.trim().toUpperCase(),
    gstin: raw.gstin === null ? null : raw.gstin.trim().toUpperCase(),
    businessType: raw.businessType.trim(),
    beneficiaryName: raw.beneficiaryName.replace(/\s+/g, ' ').trim(),
    ifsc: raw.ifsc.trim().toUpperCase(),
    accountNumber: raw.accountNumber.trim(),
  };
  const refuse = (
    code: DetailsRefusal['code'],
    field: DetailsRefusal['field'],
    detail: string,
  ) => ({
    ok: false as const,
    refusal: { code, field, detail },
  });
  if (!PAN_PATTERN.test(d.pan))
    return refuse(
      'payee/invalid-pan',
      'pan',
      'A PAN is 5 letters, 4 digits and a letter (AAAAA9999A)',
    );
  if (d.gstin !== null) {
    if (!GSTIN_PATTERN.test(d.gstin) || !isValidGstin(d.gstin))
      return refuse(
        'payee/invalid-gstin',
        'gstin',
        'The GSTIN is not a valid 15-character GSTIN (its format or check character is wrong)',
      );
    if (gstinPan(d.gstin) !== d.pan)
      return refuse(
        'payee/gstin-pan-mismatch',
        'gstin',
        'The PAN inside the GSTIN is not the PAN given',
      );
  }
  if (!(BUSINESS_TYPES as readonly string[]).includes(d.businessType))
    return refuse(
      'payee/invalid-business-type',
      'businessType',
      `The business type is one of ${BUSINESS_TYPES.join(', ')}`,
    );
  if (!/^[A-Za-z][A-Za-z .'&-]{2,118}[A-Za-z.]$/.test(d.beneficiaryName))
    return refuse(
      'payee/invalid-beneficiary-name',
      'beneficiaryName',
      "The beneficiary name is the account holder's name as the bank has it (4 to 120 letters)",
    );
  if (!IFSC_PATTERN.test(d.ifsc))
    return refuse(
      'payee/invalid-ifsc',
      'ifsc',
      'An IFSC is 4 letters (the bank), 0 and 6 letters or digits (the branch), e.g. HDFC0000317',
    );
  if (!BANK_CODES.has(d.ifsc.slice(0, 4)))
    return refuse('payee/unknown-bank', 'ifsc', `No known bank has the code ${d.ifsc.slice(0, 4)}`);
  if (!ACCOUNT_NUMBER_PATTERN.test(d.accountNumber))
    return refuse(
      'payee/invalid-account-number',
      'accountNumber',
      'An account number is 9 to 18 digits',
    );
  return { ok: true, details: d };
}

/** A number or PAN as shown anywhere: every character but the last four is an X (XXXXXX1234). */
export function masked(value: string): string {
  return 'X'.repeat(Math.max(0, value.length - 4)) + value.slice(-4);
}
