/**
 * Money in the app: the API sends integer paise; every amount shown goes through `formatPaise`
 * (Indian grouping and the rupee sign: ₹1,23,456.00). The rupee value is formatted from a decimal
 * string built from the integer, so no float ever touches an amount.
 */
const inr = new Intl.NumberFormat('en-IN', {
  style: 'currency',
  currency: 'INR',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

export function formatPaise(paise: number | bigint | string): string {
  const value = BigInt(paise);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const rupees = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  // Intl formats a decimal string exactly (ECMA-402 "IntlMathematicalValue").
  const text = inr.format(rupees as unknown as number);
  return negative ? `-${text}` : text;
}

/**
 * Rupees as typed (`1234`, `1,234.5`, `1234.50`) to integer paise, by the digits (no float); null for
 * anything else (more than two decimals, signs, letters).
 */
export function parseRupees(text: string): number | null {
  const match = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.replace(/[,\s₹]/g, ''));
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Integer paise as rupees for an input field (`123450` → `1234.50`). */
export function paiseToRupees(paise: number): string {
  return `${Math.trunc(paise / 100)}.${String(paise % 100).padStart(2, '0')}`;
}
