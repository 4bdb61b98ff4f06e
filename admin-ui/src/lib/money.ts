/**
 * Money on the console: the API sends integer paise; every amount shown goes through `formatPaise`
 * (Indian grouping and the rupee sign: ₹1,23,45,678.90). Paise are exact integers; the rupee value is
 * formatted from a decimal string, so amounts beyond 2^53 paise keep every digit.
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
 * An amount typed in rupees (`1,23,456.5`, `₹500`; at most two decimals, Indian or plain grouping) as
 * integer paise, exactly (no floating point); null unless it is a positive amount the API takes.
 */
export function parseRupees(text: string): number | null {
  const m = /^(\d{1,16})(?:\.(\d{1,2}))?$/.exec(text.replace(/[₹,\s]/g, ''));
  if (!m) return null;
  const paise = BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
  return paise > 0n && paise <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(paise) : null;
}
