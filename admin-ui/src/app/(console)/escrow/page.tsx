'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { can } from '../../../lib/access';
import { formatIstDateTime } from '../../../lib/dates';
import { moneyColumn } from '../../../lib/grid';
import { formatPaise } from '../../../lib/money';

type Hold = components['schemas']['EscrowHoldDto'];
type ReleaseDue = components['schemas']['ReleaseDueDto'];
type EarlyRelease = components['schemas']['EarlyReleaseDto'];
type HoldStatus = Hold['status'];
type ReleaseStatus = EarlyRelease['status'];

/**
 * What a dialog is open for: proposing an early release of a hold, placing or lifting a manual hold
 * on it, or deciding a proposal.
 */
type Acting =
  | { kind: 'propose'; hold: Hold }
  | { kind: 'hold' | 'unhold'; hold: Hold }
  | { kind: 'approve' | 'reject'; release: EarlyRelease };

/** A manual hold placed or lifted on a sub-order's escrow or a repair job's. */
function manualHold(kind: 'hold' | 'unhold', hold: Hold, reason: string) {
  const body = { reason };
  if (hold.subOrderId) {
    const call = { params: { path: { subOrderId: hold.subOrderId } }, body };
    return kind === 'hold'
      ? api.POST('/admin/escrow/holds/{subOrderId}/hold', call)
      : api.POST('/admin/escrow/holds/{subOrderId}/unhold', call);
  }
  const call = { params: { path: { repairJobId: hold.repairJobId! } }, body };
  return kind === 'hold'
    ? api.POST('/admin/escrow/repair-jobs/{repairJobId}/hold', call)
    : api.POST('/admin/escrow/repair-jobs/{repairJobId}/unhold', call);
}

export default function EscrowPage() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => data(api.GET('/me')) });
  const [holdStatus, setHoldStatus] = useState<HoldStatus>('held');
  const [releaseStatus, setReleaseStatus] = useState<ReleaseStatus>('pending');
  const [acting, setActing] = useState<Acting | null>(null);
  const mayPropose = can(role, 'POST /admin/escrow/holds/{subOrderId}/release-early');
  const mayDecide = can(role, 'POST /admin/escrow/early-releases/{earlyReleaseId}/approve');
  const mayHold = can(role, 'POST /admin/escrow/holds/{subOrderId}/hold');

  const holdColumns: GridColDef<Hold>[] = [
    {
      field: 'heldAt',
      headerName: 'Held since (IST)',
      width: 210,
      valueFormatter: (v: string) => formatIstDateTime(v),
    },
    { field: 'ageDays', headerName: 'Age (days)', width: 100, type: 'number' },
    { field: 'payeeType', headerName: 'Payee', width: 100 },
    { field: 'orderId', headerName: 'Order', width: 140 },
    { field: 'subOrderStatus', headerName: 'Sub-order', width: 110 },
    { field: 'amountPaise', headerName: 'Held', width: 150, ...moneyColumn },
    { field: 'dealerNetPaise', headerName: 'Payee net', width: 150, ...moneyColumn },
    { field: 'transferStatus', headerName: 'Route transfer', width: 130 },
    ...((mayPropose || mayHold) && holdStatus === 'held'
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 330,
            sortable: false,
            renderCell: ({ row }: { row: Hold }) => (
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
                {mayPropose && row.subOrderId && (
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => setActing({ kind: 'propose', hold: row })}
                  >
                    Release early
                  </Button>
                )}
                {mayHold && (
                  <>
                    <Button size="small" onClick={() => setActing({ kind: 'hold', hold: row })}>
                      Hold
                    </Button>
                    <Button size="small" onClick={() => setActing({ kind: 'unhold', hold: row })}>
                      Lift hold
                    </Button>
                  </>
                )}
              </Stack>
            ),
          } satisfies GridColDef<Hold>,
        ]
      : []),
  ];

  const releaseColumns: GridColDef<EarlyRelease>[] = [
    {
      field: 'requestedAt',
      headerName: 'Proposed (IST)',
      width: 210,
      valueFormatter: (v: string) => formatIstDateTime(v),
    },
    { field: 'orderId', headerName: 'Order', width: 140 },
    { field: 'amountPaise', headerName: 'Amount', width: 150, ...moneyColumn },
    { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 180 },
    { field: 'needsApproval', headerName: 'Needs a second approver', width: 200, type: 'boolean' },
    { field: 'status', headerName: 'Status', width: 100 },
    { field: 'decisionReason', headerName: 'Decision', width: 180 },
    ...(mayDecide && releaseStatus === 'pending'
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 200,
            sortable: false,
            // Maker-checker: the proposer decides nothing about their own proposal (the API refuses it).
            renderCell: ({ row }: { row: EarlyRelease }) =>
              row.requestedBy === me.data?.id ? (
                <Typography variant="body2">Waiting for another approver</Typography>
              ) : (
                <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
                  <Button
                    size="small"
                    variant="contained"
                    onClick={() => setActing({ kind: 'approve', release: row })}
                  >
                    Approve
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => setActing({ kind: 'reject', release: row })}
                  >
                    Reject
                  </Button>
                </Stack>
              ),
          } satisfies GridColDef<EarlyRelease>,
        ]
      : []),
  ];

  const dueColumns: GridColDef<ReleaseDue>[] = [
    {
      field: 'releasable',
      headerName: 'State',
      width: 200,
      valueFormatter: (v: boolean) => (v ? 'Completed, releasable now' : 'Delivered'),
    },
    {
      field: 'expectedCompletionAt',
      headerName: 'Completes (IST)',
      width: 210,
      valueFormatter: (v: string | null) => (v ? formatIstDateTime(v) : '—'),
    },
    { field: 'orderId', headerName: 'Order', width: 140 },
    { field: 'subOrderId', headerName: 'Sub-order', width: 140 },
    { field: 'dealerId', headerName: 'Dealer', width: 140 },
    { field: 'amountPaise', headerName: 'Held', width: 150, ...moneyColumn },
  ];

  const refresh = () => queries.invalidateQueries({ queryKey: ['escrow'] });
  return (
    <StaffPage title="Escrow" route="GET /admin/escrow/holds">
      <Paper sx={{ p: 2, mb: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Holds
        </Typography>
        <TextField
          select
          label="Status"
          value={holdStatus}
          onChange={(e) => setHoldStatus(e.target.value as HoldStatus)}
          sx={{ minWidth: 200, mb: 2 }}
        >
          <MenuItem value="held">Held</MenuItem>
          <MenuItem value="released">Released</MenuItem>
          <MenuItem value="refunded">Refunded</MenuItem>
        </TextField>
        <CursorGrid<Hold>
          label="Escrow holds"
          noRows="No escrow holds with this status."
          queryKey={['escrow', 'holds', holdStatus]}
          fetchPage={(cursor, limit) =>
            data(
              api.GET('/admin/escrow/holds', {
                params: { query: { cursor, limit, status: holdStatus } },
              }),
            )
          }
          columns={holdColumns}
          getRowId={(h) => h.holdId}
        />
      </Paper>
      {can(role, 'GET /admin/escrow/releases-due') && (
        <Paper sx={{ p: 2, mb: 3 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Releases due
          </Typography>
          <CursorGrid<ReleaseDue>
            label="Releases due"
            noRows="No held escrow of a delivered or completed sub-order."
            queryKey={['escrow', 'releases-due']}
            fetchPage={(cursor, limit) =>
              data(api.GET('/admin/escrow/releases-due', { params: { query: { cursor, limit } } }))
            }
            columns={dueColumns}
            getRowId={(r) => r.subOrderId}
          />
        </Paper>
      )}
      <Paper sx={{ p: 2 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Early releases (maker-checker)
        </Typography>
        <TextField
          select
          label="Proposal status"
          value={releaseStatus}
          onChange={(e) => setReleaseStatus(e.target.value as ReleaseStatus)}
          sx={{ minWidth: 200, mb: 2 }}
        >
          <MenuItem value="pending">Pending</MenuItem>
          <MenuItem value="released">Released</MenuItem>
          <MenuItem value="rejected">Rejected</MenuItem>
        </TextField>
        <CursorGrid<EarlyRelease>
          label="Early releases"
          noRows="No early releases with this status."
          queryKey={['escrow', 'early-releases', releaseStatus]}
          fetchPage={(cursor, limit) =>
            data(
              api.GET('/admin/escrow/early-releases', {
                params: { query: { cursor, limit, status: releaseStatus } },
              }),
            )
          }
          columns={releaseColumns}
          getRowId={(r) => r.id}
        />
      </Paper>
      {acting?.kind === 'propose' && (
        <ReasonDialog
          title={`Release ${formatPaise(acting.hold.amountPaise)} early`}
          detail="Above the approval threshold another staff member must approve it; at or below it, it is released at once."
          label="Why release before the return window ends (kept in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Propose"
          submit={async (reason) => {
            await data(
              api.POST('/admin/escrow/holds/{subOrderId}/release-early', {
                params: { path: { subOrderId: acting.hold.subOrderId! } },
                body: { reason },
              }),
            );
            await refresh();
          }}
          onClose={() => setActing(null)}
        />
      )}
      {(acting?.kind === 'hold' || acting?.kind === 'unhold') && (
        <ReasonDialog
          title={`${acting.kind === 'hold' ? 'Hold' : 'Lift the manual hold on'} ${formatPaise(acting.hold.amountPaise)} of escrow`}
          detail={
            acting.kind === 'hold'
              ? 'While held, neither the release job nor an early release pays it out.'
              : 'The escrow is released again when it falls due.'
          }
          label="Reason (kept in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action={acting.kind === 'hold' ? 'Hold' : 'Lift hold'}
          submit={async (reason) => {
            await data<unknown>(manualHold(acting.kind, acting.hold, reason));
            await refresh();
          }}
          onClose={() => setActing(null)}
        />
      )}
      {(acting?.kind === 'approve' || acting?.kind === 'reject') && (
        <ReasonDialog
          title={`${acting.kind === 'approve' ? 'Approve' : 'Reject'} the early release of ${formatPaise(acting.release.amountPaise)}`}
          detail={`Proposed: ${acting.release.reason}`}
          label={
            acting.kind === 'approve'
              ? 'Note (kept in the audit log)'
              : 'Why it is rejected (kept in the audit log)'
          }
          field="reason"
          minLength={3}
          maxLength={1000}
          action={acting.kind === 'approve' ? 'Approve' : 'Reject'}
          submit={async (reason) => {
            const path = {
              params: { path: { earlyReleaseId: acting.release.id } },
              body: { reason },
            };
            await data(
              acting.kind === 'approve'
                ? api.POST('/admin/escrow/early-releases/{earlyReleaseId}/approve', path)
                : api.POST('/admin/escrow/early-releases/{earlyReleaseId}/reject', path),
            );
            await refresh();
          }}
          onClose={() => setActing(null)}
        />
      )}
    </StaffPage>
  );
}
