'use client';
import { BarChart } from '@mui/x-charts/BarChart';
import type { components } from '../../api/schema';
import { formatPaise } from '../../lib/money';

type Aging = components['schemas']['EscrowAgingDto'];

/** Held escrow by whole days since capture (rupees on the axis, exact amounts in the tooltip). */
export function AgingChart({ aging }: { aging: Aging }) {
  return (
    <BarChart
      height={240}
      xAxis={[
        {
          scaleType: 'band',
          height: 30,
          tickLabelInterval: () => true,
          data: aging.buckets.map((b) => `${b.bucket} days`),
        },
      ]}
      yAxis={[
        {
          width: 70,
          valueFormatter: (v: number) =>
            `₹${Intl.NumberFormat('en-IN', { notation: 'compact' }).format(v)}`,
        },
      ]}
      series={[
        {
          label: 'Held escrow',
          data: aging.buckets.map((b) => b.amountPaise / 100),
          valueFormatter: (v) => (v === null ? '' : formatPaise(Math.round(v * 100))),
        },
      ]}
    />
  );
}
