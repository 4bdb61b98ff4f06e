'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import type { components } from '../api/schema';
import { can } from '../lib/access';
import { istColumn, moneyColumn } from '../lib/grid';
import { useAuth } from './auth';
import { CursorGrid } from './cursor-grid';
import { ReasonDialog } from './reason-dialog';

type Hold = components['schemas']['FraudHoldDto'];
type Decision = 'clear' | 'reject';

/**
 * Orders the fraud checks held before fulfilment: admin and ops leader clear one (it proceeds) or
 * reject it (the order is cancelled and the buyer refunded), with a reason.
 */
export function FraudHolds() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [status, setStatus] = useState<Hold['status'] | ''>('held');
  const [deciding, setDeciding] = useState<{ hold: Hold; decision: Decision } | null>(null);
  const mayDecide = can(role, 'POST /admin/fraud/holds/{orderId}/clear');
  const columns: GridColDef<Hold>[] = [
    ...(mayDecide
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 180,
            sortable: false,
            renderCell: ({ row }: { row: Hold }) =>
              row.status === 'held' && (
                <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
                  <Button
                    size="small"
                    variant="contained"
                    onClick={() => setDeciding({ hold: row, decision: 'clear' })}
                  >
                    Clear
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => setDeciding({ hold: row, decision: 'reject' })}
                  >
                    Reject
                  </Button>
                </Stack>
              ),
          } satisfies GridColDef<Hold>,
        ]
      : []),
    { field: 'createdAt', headerName: 'Held (IST)', width: 200, ...istColumn },
    { field: 'status', headerName: 'Status', width: 90 },
    {
      field: 'rules',
      headerName: 'Rules',
      flex: 1,
      minWidth: 200,
      valueGetter: (_v: unknown, h: Hold) => h.rules.map((r) => r.replaceAll('_', ' ')).join(', '),
    },
    { field: 'totalPaise', headerName: 'Order total', width: 140, ...moneyColumn },
    { field: 'orderPaymentStatus', headerName: 'Payment', width: 110 },
    { field: 'orderId', headerName: 'Order', width: 140 },
    { field: 'buyerId', headerName: 'Buyer', width: 140 },
    { field: 'decidedAt', headerName: 'Decided (IST)', width: 200, ...istColumn },
    { field: 'reason', headerName: 'Reason', width: 180 },
  ];
  return (
    <>
      <TextField
        select
        label="Hold status"
        value={status}
        onChange={(e) => setStatus(e.target.value as Hold['status'] | '')}
        sx={{ minWidth: 200, mb: 2 }}
      >
        <MenuItem value="">Any</MenuItem>
        {(['held', 'cleared', 'rejected'] as const).map((s) => (
          <MenuItem key={s} value={s}>
            {s}
          </MenuItem>
        ))}
      </TextField>
      <CursorGrid<Hold>
        label="Fraud holds"
        noRows="No orders held by the fraud checks."
        queryKey={['fraud-holds', status]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/fraud/holds', {
              params: { query: { cursor, limit, status: status || undefined } },
            }),
          )
        }
        columns={columns}
        getRowId={(h) => h.orderId}
      />
      {deciding && (
        <ReasonDialog
          title={deciding.decision === 'clear' ? 'Clear the held order' : 'Reject the held order'}
          detail={
            deciding.decision === 'clear'
              ? 'The order proceeds to its dealers.'
              : 'The order is cancelled and the buyer refunded what they paid.'
          }
          label="Reason (kept on the hold, the order’s history and the audit log)"
          field="reason"
          minLength={1}
          maxLength={2000}
          action={deciding.decision === 'clear' ? 'Clear' : 'Reject'}
          submit={async (reason) => {
            const call = { params: { path: { orderId: deciding.hold.orderId } }, body: { reason } };
            await data(
              deciding.decision === 'clear'
                ? api.POST('/admin/fraud/holds/{orderId}/clear', call)
                : api.POST('/admin/fraud/holds/{orderId}/reject', call),
            );
            await queries.invalidateQueries({ queryKey: ['fraud-holds'] });
          }}
          onClose={() => setDeciding(null)}
        />
      )}
    </>
  );
}
