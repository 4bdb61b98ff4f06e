import { formatIstDateTime } from './dates';
import { formatPaise } from './money';

/** Column settings shared by the console's grids: an amount in paise, right-aligned in rupees. */
export const moneyColumn = {
  align: 'right',
  headerAlign: 'right',
  valueFormatter: (v: number | null | undefined) =>
    v === null || v === undefined ? '—' : formatPaise(v),
} as const;

/** An instant shown in IST (blank when absent). */
export const istColumn = {
  valueFormatter: (v: string | null | undefined) => (v ? formatIstDateTime(v) : ''),
} as const;
