'use client';
import { BarChart } from '@mui/x-charts/BarChart';
import { formatPaise } from '../../lib/money';

/** One IST day's money: captured payments (GMV) and commission earned on the releases that day. */
export interface DayFigures {
  day: string;
  capturedPaise: number;
  commissionPaise: number;
}

const rupees = (v: number | null) => (v === null ? '' : formatPaise(Math.round(v * 100)));

/** GMV and commission by IST day, oldest first (rupees on the axis, exact amounts in the tooltip). */
export function DailyChart({ days }: { days: DayFigures[] }) {
  return (
    <BarChart
      height={260}
      xAxis={[{ scaleType: 'band', height: 30, data: days.map((d) => d.day.slice(5)) }]}
      yAxis={[
        {
          width: 70,
          valueFormatter: (v: number) =>
            `₹${Intl.NumberFormat('en-IN', { notation: 'compact' }).format(v)}`,
        },
      ]}
      series={[
        {
          label: 'GMV (captured)',
          data: days.map((d) => d.capturedPaise / 100),
          valueFormatter: rupees,
        },
        {
          label: 'Commission',
          data: days.map((d) => d.commissionPaise / 100),
          valueFormatter: rupees,
        },
      ]}
    />
  );
}
