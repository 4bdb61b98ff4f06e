/**
 * GSTIN (GST identification number): 2-digit state code, the holder's 10-character PAN, the
 * registration's number within that PAN and state (1–9, A–Z), `Z`, and a check character computed
 * by GST's mod-36 Luhn-style checksum over the first 14 characters.
 */
export const GSTIN_PATTERN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;
export const PAN_PATTERN = /^[A-Z]{5}[0-9]{4}[A-Z]$/;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The check character of a GSTIN's first 14 characters: each character's value (0–9, A–Z = 10–35)
 * is multiplied by 1 and 2 alternately from the left, each product's base-36 digits are added, and
 * the check is what brings the sum to a multiple of 36.
 */
export function gstinCheckChar(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = ALPHABET.indexOf(first14.charAt(i)) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return ALPHABET.charAt((36 - (sum % 36)) % 36);
}

/** Well-formed and its 15th character is the check character of the first 14. */
export function isValidGstin(gstin: string): boolean {
  return GSTIN_PATTERN.test(gstin) && gstin.charAt(14) === gstinCheckChar(gstin.slice(0, 14));
}

/** The GST state code: the first two digits. */
export function gstinStateCode(gstin: string): string {
  return gstin.slice(0, 2);
}

/** The holder's PAN: characters 3–12. */
export function gstinPan(gstin: string): string {
  return gstin.slice(2, 12);
}
