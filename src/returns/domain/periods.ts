/**
 * Return periods, on the IST calendar: GSTR-8 and GSTR-1 are monthly (`2026-11`), the 194-O TDS
 * statement (Form 26Q) quarterly by the Indian financial year (`2026-27-Q3` = October–December 2026).
 */
export const RETURN_TYPES = ['gstr8', 'gstr1', 'tds194o'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

export interface Period {
  readonly returnType: ReturnType;
  /** `YYYY-MM` (monthly) or `YYYY-YY-Qn` (quarterly). */
  readonly key: string;
  /** Inclusive start, exclusive end, as instants (IST midnight). */
  readonly fromMs: number;
  readonly toMs: number;
}

const IST_OFFSET_MS = 5.5 * 3600 * 1000;
const MONTHLY = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTERLY = /^(\d{4})-(\d{2})-Q([1-4])$/;

/** IST midnight at the start of the month (1-based), as an instant. */
function istMonthStart(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) - IST_OFFSET_MS;
}

export function isMonthly(returnType: ReturnType): boolean {
  return returnType !== 'tds194o';
}

/** The period named `key`, or undefined when the key is not one of its type. */
export function parsePeriod(returnType: ReturnType, key: string): Period | undefined {
  if (isMonthly(returnType)) {
    const m = MONTHLY.exec(key);
    if (!m) return undefined;
    const [year, month] = [Number(m[1]), Number(m[2])];
    return {
      returnType,
      key,
      fromMs: istMonthStart(year, month),
      toMs: istMonthStart(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1),
    };
  }
  const q = QUARTERLY.exec(key);
  if (!q) return undefined;
  const fyStart = Number(q[1]);
  if (Number(q[2]) !== (fyStart + 1) % 100) return undefined;
  const quarter = Number(q[3]);
  // Q1 April–June … Q3 October–December, Q4 January–March of the next calendar year.
  const startMonth = 4 + 3 * (quarter - 1);
  const [y, mo] = startMonth > 12 ? [fyStart + 1, startMonth - 12] : [fyStart, startMonth];
  const endMonth = mo + 3;
  return {
    returnType,
    key,
    fromMs: istMonthStart(y, mo),
    toMs: endMonth > 12 ? istMonthStart(y + 1, endMonth - 12) : istMonthStart(y, endMonth),
  };
}

/** The period of its type that contains the instant. */
export function periodOf(returnType: ReturnType, atMs: number): Period {
  const ist = new Date(atMs + IST_OFFSET_MS);
  const [year, month] = [ist.getUTCFullYear(), ist.getUTCMonth() + 1];
  if (isMonthly(returnType)) {
    return parsePeriod(returnType, `${year}-${String(month).padStart(2, '0')}`)!;
  }
  const fyStart = month >= 4 ? year : year - 1;
  const quarter = month >= 4 ? Math.floor((month - 4) / 3) + 1 : 4;
  return parsePeriod(
    returnType,
    `${fyStart}-${String((fyStart + 1) % 100).padStart(2, '0')}-Q${quarter}`,
  )!;
}

/** The period right after this one. */
export function nextPeriod(p: Period): Period {
  return periodOf(p.returnType, p.toMs);
}
