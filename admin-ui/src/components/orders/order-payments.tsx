'use client';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { api, data } from '../../api/client';
import type { components } from '../../api/schema';
import { can } from '../../lib/access';
import { istColumn, moneyColumn } from '../../lib/grid';
import { useAuth } from '../auth';
import { CursorGrid } from '../cursor-grid';

type Payment = components['schemas']['AdminPaymentDto'];
type Refund = components['schemas']['AdminRefundDto'];

const paymentColumns: GridColDef<Payment>[] = [
  { field: 'createdAt', headerName: 'Opened (IST)', width: 200, ...istColumn },
  { field: 'status', headerName: 'Status', width: 110 },
  { field: 'amountPaise', headerName: 'Amount', width: 140, ...moneyColumn },
  { field: 'method', headerName: 'Method', width: 100 },
  { field: 'gatewayPaymentId', headerName: 'Gateway payment', width: 200 },
  { field: 'feePaise', headerName: 'Fee', width: 110, ...moneyColumn },
  {
    field: 'failure',
    headerName: 'Failure',
    flex: 1,
    minWidth: 180,
    valueGetter: (_v: unknown, p: Payment) =>
      p.failureCode ? `${p.failureCode}: ${p.failureReason ?? ''}` : p.unpayable ? 'unpayable' : '',
  },
  { field: 'capturedAt', headerName: 'Captured (IST)', width: 200, ...istColumn },
];

const refundColumns: GridColDef<Refund>[] = [
  { field: 'requestedAt', headerName: 'Requested (IST)', width: 200, ...istColumn },
  { field: 'kind', headerName: 'Kind', width: 120 },
  { field: 'status', headerName: 'Status', width: 110 },
  { field: 'amountPaise', headerName: 'Amount', width: 140, ...moneyColumn },
  { field: 'subOrderId', headerName: 'Sub-order', width: 150 },
  { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 180 },
  { field: 'attempts', headerName: 'Attempts', width: 90, type: 'number' },
  { field: 'lastError', headerName: 'Last error', width: 180 },
  { field: 'processedAt', headerName: 'Processed (IST)', width: 200, ...istColumn },
];

/** An order's payment attempts (each gateway order opened for it) and its refund records. */
export function OrderPayments({ orderId }: { orderId: string }) {
  const { role } = useAuth();
  return (
    <>
      {can(role, 'GET /admin/payments') && (
        <>
          <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
            Payment attempts
          </Typography>
          <CursorGrid<Payment>
            label="Payment attempts"
            noRows="No payment was opened for this order."
            queryKey={['orders', 'payments', orderId]}
            fetchPage={(cursor, limit) =>
              data(api.GET('/admin/payments', { params: { query: { cursor, limit, orderId } } }))
            }
            columns={paymentColumns}
            getRowId={(p) => p.id}
          />
        </>
      )}
      {can(role, 'GET /admin/refunds') && (
        <>
          <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
            Refunds
          </Typography>
          <CursorGrid<Refund>
            label="Refunds"
            noRows="Nothing was refunded on this order."
            queryKey={['orders', 'refunds', orderId]}
            fetchPage={(cursor, limit) =>
              data(api.GET('/admin/refunds', { params: { query: { cursor, limit, orderId } } }))
            }
            columns={refundColumns}
            getRowId={(r) => r.id}
          />
        </>
      )}
    </>
  );
}
