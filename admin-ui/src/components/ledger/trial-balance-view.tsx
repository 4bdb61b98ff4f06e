import Alert from '@mui/material/Alert';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { Fragment } from 'react';
import type { components } from '../../api/schema';
import { formatIstDateTime } from '../../lib/dates';
import { formatPaise } from '../../lib/money';

export type TrialBalance = components['schemas']['LedgerTrialBalanceDto'];

const GROUP_LABELS: Record<string, string> = {
  asset: 'Assets',
  liability: 'Liabilities',
  equity: 'Equity',
  revenue: 'Revenue',
  expense: 'Expenses',
};

const money = {
  textAlign: 'right',
  fontVariantNumeric: 'tabular-nums',
  whiteSpace: 'nowrap',
} as const;

/**
 * The trial balance as of an instant: accounts grouped by type (asset, liability, equity, revenue,
 * expense) with each group's subtotal, the grand totals, and the proof the books balance
 * (Σ debit balances = Σ credit balances), or by how much they do not.
 */
export function TrialBalanceView({ tb }: { tb: TrialBalance }) {
  const { debitBalance, creditBalance } = tb.totals;
  const difference = BigInt(debitBalance) - BigInt(creditBalance);
  return (
    <>
      {tb.balanced ? (
        <Alert severity="success" data-testid="balanced-proof" sx={{ mb: 2 }}>
          Balanced: Σ debit balances {formatPaise(debitBalance)} = Σ credit balances{' '}
          {formatPaise(creditBalance)}
        </Alert>
      ) : (
        <Alert severity="error" data-testid="balanced-proof" sx={{ mb: 2 }}>
          Not balanced: Σ debit balances {formatPaise(debitBalance)} ≠ Σ credit balances{' '}
          {formatPaise(creditBalance)} (difference {formatPaise(difference)})
        </Alert>
      )}
      <Typography variant="body2" sx={{ mb: 1 }}>
        As of {formatIstDateTime(tb.asOf)} ·{' '}
        {tb.source === 'journal' ? 'recomputed from the journal' : 'from the account counters'}
        {!tb.pending.balanced && ' · pending holds do not balance'}
      </Typography>
      <Table size="small" aria-label="Trial balance">
        <TableHead>
          <TableRow>
            <TableCell component="th" scope="col">
              Account
            </TableCell>
            <TableCell component="th" scope="col" sx={money}>
              Debit
            </TableCell>
            <TableCell component="th" scope="col" sx={money}>
              Credit
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {tb.groups.map((group) => (
            <Fragment key={group.type}>
              <TableRow>
                <TableCell
                  component="th"
                  scope="rowgroup"
                  colSpan={3}
                  sx={{ fontWeight: 700, bgcolor: 'grey.100' }}
                >
                  {GROUP_LABELS[group.type] ?? group.type} (normal side: {group.normalSide})
                </TableCell>
              </TableRow>
              {group.accounts.length === 0 && (
                <TableRow>
                  <TableCell colSpan={3} sx={{ color: 'text.secondary' }}>
                    No accounts
                  </TableCell>
                </TableRow>
              )}
              {group.accounts.map((a) => (
                <TableRow key={a.code} data-testid={`tb-${a.code}`}>
                  <TableCell>
                    <code>{a.code}</code>
                  </TableCell>
                  <TableCell sx={money}>
                    {a.debitBalance ? formatPaise(a.debitBalance) : ''}
                  </TableCell>
                  <TableCell sx={money}>
                    {a.creditBalance ? formatPaise(a.creditBalance) : ''}
                  </TableCell>
                </TableRow>
              ))}
              <TableRow>
                <TableCell sx={{ fontStyle: 'italic' }}>
                  {GROUP_LABELS[group.type] ?? group.type} total
                </TableCell>
                <TableCell sx={money}>{formatPaise(group.totals.debitBalance)}</TableCell>
                <TableCell sx={money}>{formatPaise(group.totals.creditBalance)}</TableCell>
              </TableRow>
            </Fragment>
          ))}
          <TableRow>
            <TableCell component="th" scope="row" sx={{ fontWeight: 700 }}>
              Total
            </TableCell>
            <TableCell sx={{ ...money, fontWeight: 700 }} data-testid="tb-total-debit">
              {formatPaise(debitBalance)}
            </TableCell>
            <TableCell sx={{ ...money, fontWeight: 700 }} data-testid="tb-total-credit">
              {formatPaise(creditBalance)}
            </TableCell>
          </TableRow>
        </TableBody>
      </Table>
    </>
  );
}
