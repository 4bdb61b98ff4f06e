'use client';
import { BarChart } from '@mui/x-charts/BarChart';
import { formatPaise } from '../../lib/money';
import type { TrialBalance } from './trial-balance-view';

/** Each account type's debit and credit balances side by side (rupees on the axis, exact amounts in the tooltip). */
export function TrialBalanceChart({ tb }: { tb: TrialBalance }) {
  const rupees = (paise: number) => paise / 100;
  return (
    <BarChart
      height={260}
      xAxis={[
        {
          scaleType: 'band',
          height: 30,
          tickLabelInterval: () => true,
          data: tb.groups.map((g) => g.type),
        },
      ]}
      yAxis={[
        {
          valueFormatter: (v: number) =>
            `₹${Intl.NumberFormat('en-IN', { notation: 'compact' }).format(v)}`,
          width: 70,
        },
      ]}
      series={[
        {
          label: 'Debit balances',
          data: tb.groups.map((g) => rupees(g.totals.debitBalance)),
          valueFormatter: (v) => (v === null ? '' : formatPaise(Math.round(v * 100))),
        },
        {
          label: 'Credit balances',
          data: tb.groups.map((g) => rupees(g.totals.creditBalance)),
          valueFormatter: (v) => (v === null ? '' : formatPaise(Math.round(v * 100))),
        },
      ]}
    />
  );
}
