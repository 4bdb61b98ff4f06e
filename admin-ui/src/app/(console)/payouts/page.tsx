'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { PayeeLookup } from '../../../components/payee-lookup';
import { ReasonDialog } from '../../../components/reason-dialog';
import { SearchForm, useSearch } from '../../../components/search-form';
import { can } from '../../../lib/access';
import { istDayEnd, istDayStart } from '../../../lib/dates';
import { istColumn, moneyColumn } from '../../../lib/grid';
import { formatPaise } from '../../../lib/money';

type Payout = components['schemas']['PayoutDto'];
type Review = components['schemas']['PendingSettlementReviewDto'];
type Hold = components['schemas']['EscrowHoldDto'];
type RouteAccount = components['schemas']['RouteAccountDto'];
type RouteStatus = RouteAccount['status'];

const ROUTE_STATUSES: RouteStatus[] = [
  'failed',
  'needs_clarification',
  'pending',
  'stakeholder_created',
  'account_created',
  'product_requested',
  'product_configured',
  'activated',
];
/** Onboarding stopped at a step: what retry restarts. */
const RETRYABLE: RouteStatus[] = ['failed', 'needs_clarification'];

const payoutColumns: GridColDef<Payout>[] = [
  { field: 'postedAt', headerName: 'Posted (IST)', width: 210, ...istColumn },
  { field: 'kind', headerName: 'Payee kind', width: 110 },
  {
    field: 'payee',
    headerName: 'Payee',
    flex: 1,
    minWidth: 200,
    valueGetter: (_v: unknown, row: Payout) => row.dealerId ?? row.technicianId ?? 'platform',
  },
  { field: 'settlementId', headerName: 'Settlement', width: 220 },
  { field: 'amountPaise', headerName: 'Amount', width: 150, ...moneyColumn },
];

function RouteAccounts() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [status, setStatus] = useState<RouteStatus | ''>('');
  const [retrying, setRetrying] = useState<RouteAccount | null>(null);
  const mayRetry = can(role, 'POST /admin/payments/route-accounts/{payeeId}/retry');
  const columns: GridColDef<RouteAccount>[] = [
    { field: 'payeeName', headerName: 'Payee', flex: 1, minWidth: 180 },
    { field: 'payeeId', headerName: 'Payee id', width: 300 },
    { field: 'payeeKind', headerName: 'Kind', width: 100 },
    { field: 'status', headerName: 'Onboarding', width: 170 },
    { field: 'activationStatus', headerName: 'Activation', width: 120 },
    { field: 'attempts', headerName: 'Attempts', width: 90, type: 'number' },
    { field: 'waitingHolds', headerName: 'Holds waiting', width: 120, type: 'number' },
    { field: 'waitingPaise', headerName: 'Waiting', width: 140, ...moneyColumn },
    { field: 'lastError', headerName: 'Last error', width: 220 },
    { field: 'updatedAt', headerName: 'Updated (IST)', width: 210, ...istColumn },
    ...(mayRetry
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 110,
            sortable: false,
            renderCell: ({ row }: { row: RouteAccount }) =>
              RETRYABLE.includes(row.status) && (
                <Button size="small" variant="outlined" onClick={() => setRetrying(row)}>
                  Retry
                </Button>
              ),
          } satisfies GridColDef<RouteAccount>,
        ]
      : []),
  ];
  return (
    <>
      <TextField
        select
        label="Onboarding status"
        value={status}
        onChange={(e) => setStatus(e.target.value as RouteStatus | '')}
        sx={{ minWidth: 220, mb: 2 }}
      >
        <MenuItem value="">Any</MenuItem>
        {ROUTE_STATUSES.map((s) => (
          <MenuItem key={s} value={s}>
            {s.replaceAll('_', ' ')}
          </MenuItem>
        ))}
      </TextField>
      <CursorGrid<RouteAccount>
        label="Route accounts"
        noRows="No Route accounts with this status."
        queryKey={['route-accounts', status]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/payments/route-accounts', {
              params: { query: { cursor, limit, status: status || undefined } },
            }),
          )
        }
        columns={columns}
        getRowId={(r) => r.payeeId}
      />
      {retrying && (
        <ReasonDialog
          title={`Retry ${retrying.payeeName}'s Route onboarding`}
          detail={`It restarts at the step it stopped (${retrying.status}: ${retrying.lastError ?? 'no error recorded'}).`}
          label="Reason (kept in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Retry"
          submit={async (reason) => {
            await data(
              api.POST('/admin/payments/route-accounts/{payeeId}/retry', {
                params: { path: { payeeId: retrying.payeeId } },
                body: { reason },
              }),
            );
            await queries.invalidateQueries({ queryKey: ['route-accounts'] });
          }}
          onClose={() => setRetrying(null)}
        />
      )}
    </>
  );
}

/** Payees whose settlement-details change waits for review, longest waiting first; Review opens one. */
function PendingReviews({ onReview }: { onReview: (payeeId: string) => void }) {
  const columns: GridColDef<Review>[] = [
    {
      field: 'open',
      headerName: 'Review',
      width: 100,
      sortable: false,
      renderCell: ({ row }: { row: Review }) => (
        <Button
          size="small"
          onClick={() => onReview(row.payeeId)}
          aria-label={`Review ${row.payeeName}'s settlement details`}
        >
          Review
        </Button>
      ),
    },
    {
      field: 'submittedAt',
      headerName: 'Submitted (IST)',
      width: 200,
      valueGetter: (_v: unknown, r: Review) => r.pendingChange.submittedAt,
      ...istColumn,
    },
    { field: 'payeeName', headerName: 'Payee', flex: 1, minWidth: 180 },
    { field: 'payeeKind', headerName: 'Kind', width: 100 },
    {
      field: 'change',
      headerName: 'Change',
      width: 140,
      valueGetter: (_v: unknown, r: Review) =>
        r.hasApprovedDetails ? 'replaces details' : 'first details',
    },
    {
      field: 'account',
      headerName: 'Account',
      width: 260,
      valueGetter: (_v: unknown, r: Review) =>
        `${r.pendingChange.ifsc} ${r.pendingChange.accountNumber}`,
    },
  ];
  return (
    <CursorGrid<Review>
      label="Settlement details waiting for review"
      noRows="No settlement details wait for review."
      queryKey={['payee-reviews']}
      fetchPage={(cursor, limit) =>
        data(api.GET('/admin/payees/pending-review', { params: { query: { cursor, limit } } }))
      }
      columns={columns}
      getRowId={(r) => r.payeeId}
    />
  );
}

/** Escrow holds whose Route transfer failed: what failed, and (by role) a retry once its cause is fixed. */
function FailedTransfers() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [retrying, setRetrying] = useState<Hold | null>(null);
  const mayRetry = can(role, 'POST /admin/escrow/holds/{subOrderId}/retry-transfer');
  const columns: GridColDef<Hold>[] = [
    ...(mayRetry
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 100,
            sortable: false,
            renderCell: ({ row }: { row: Hold }) =>
              row.status !== 'refunded' && (
                <Button size="small" variant="outlined" onClick={() => setRetrying(row)}>
                  Retry
                </Button>
              ),
          } satisfies GridColDef<Hold>,
        ]
      : []),
    { field: 'heldAt', headerName: 'Held (IST)', width: 200, ...istColumn },
    { field: 'payeeType', headerName: 'Payee kind', width: 110 },
    { field: 'payeeId', headerName: 'Payee', width: 140 },
    {
      field: 'obligation',
      headerName: 'For',
      width: 200,
      valueGetter: (_v: unknown, h: Hold) =>
        h.subOrderId ? `sub-order ${h.subOrderId}` : `repair ${h.repairJobId}`,
    },
    { field: 'status', headerName: 'Escrow', width: 100 },
    { field: 'amountPaise', headerName: 'Amount', width: 140, ...moneyColumn },
    { field: 'transferAttempts', headerName: 'Attempts', width: 90, type: 'number' },
    { field: 'transferError', headerName: 'Error', flex: 1, minWidth: 200 },
  ];
  return (
    <>
      <CursorGrid<Hold>
        label="Failed Route transfers"
        noRows="No Route transfer has failed."
        queryKey={['failed-transfers']}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/escrow/holds', {
              params: { query: { cursor, limit, transferStatus: 'failed' } },
            }),
          )
        }
        columns={columns}
        getRowId={(h) => h.holdId}
      />
      {retrying && (
        <ReasonDialog
          title={`Retry the Route transfer of ${formatPaise(retrying.amountPaise)}`}
          detail={`It failed after ${retrying.transferAttempts} attempts: ${retrying.transferError ?? 'no error recorded'}.`}
          label="What was fixed (kept in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Retry"
          submit={async (reason) => {
            const body = { reason };
            await data(
              retrying.subOrderId
                ? api.POST('/admin/escrow/holds/{subOrderId}/retry-transfer', {
                    params: { path: { subOrderId: retrying.subOrderId } },
                    body,
                  })
                : api.POST('/admin/escrow/repair-jobs/{repairJobId}/retry-transfer', {
                    params: { path: { repairJobId: retrying.repairJobId! } },
                    body,
                  }),
            );
            await queries.invalidateQueries({ queryKey: ['failed-transfers'] });
          }}
          onClose={() => setRetrying(null)}
        />
      )}
    </>
  );
}

export default function PayoutsPage() {
  const { role } = useAuth();
  const [reviewing, setReviewing] = useState('');
  const search = useSearch(['kind', 'dealerId', 'technicianId'] as const);
  const { applied } = search;
  return (
    <StaffPage title="Payouts" route="GET /admin/payouts">
      <Paper sx={{ p: 2, mb: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Payouts
        </Typography>
        <SearchForm
          search={search}
          fields={[
            { key: 'kind', label: 'Payee kind', options: ['dealer', 'technician', 'platform'] },
            { key: 'dealerId', label: 'Dealer id' },
            { key: 'technicianId', label: 'Technician id' },
          ]}
        />
        <CursorGrid<Payout>
          label="Payouts"
          noRows="No payouts in this period."
          queryKey={['payouts', applied]}
          fetchPage={(cursor, limit) =>
            data(
              api.GET('/admin/payouts', {
                params: {
                  query: {
                    cursor,
                    limit,
                    from: istDayStart(applied.from),
                    to: istDayEnd(applied.to),
                    kind: (applied.kind || undefined) as Payout['kind'] | undefined,
                    dealerId: applied.dealerId || undefined,
                    technicianId: applied.technicianId || undefined,
                  },
                },
              }),
            )
          }
          columns={payoutColumns}
          getRowId={(p) => `${p.settlementId}:${p.kind}:${p.dealerId ?? p.technicianId ?? ''}`}
        />
      </Paper>
      {can(role, 'GET /admin/payments/route-accounts') && (
        <Paper sx={{ p: 2, mb: 3 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Route accounts
          </Typography>
          <RouteAccounts />
        </Paper>
      )}
      {can(role, 'GET /admin/escrow/holds') && (
        <Paper sx={{ p: 2, mb: 3 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Failed Route transfers
          </Typography>
          <FailedTransfers />
        </Paper>
      )}
      {can(role, 'GET /admin/payees/pending-review') && (
        <Paper sx={{ p: 2, mb: 3 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Settlement details waiting for review
          </Typography>
          <PendingReviews onReview={setReviewing} />
        </Paper>
      )}
      {can(role, 'GET /admin/payees/{id}') && (
        <Paper sx={{ p: 2 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Payee settlement details
          </Typography>
          <PayeeLookup key={reviewing} initialId={reviewing} />
        </Paper>
      )}
    </StaffPage>
  );
}
