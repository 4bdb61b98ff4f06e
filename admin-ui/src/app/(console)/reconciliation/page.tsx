'use client';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { ProblemAlert } from '../../../components/states';
import { can } from '../../../lib/access';
import { formatIstDateTime, istDay, previousIstDay } from '../../../lib/dates';
import { formatPaise } from '../../../lib/money';

type Run = components['schemas']['ReconciliationRunDto'];
type Exception = components['schemas']['ReconciliationExceptionDto'];
type Status = NonNullable<Exception['status']>;

const money = (v: number | null) => (v === null ? '—' : formatPaise(v));

const runColumns: GridColDef<Run>[] = [
  { field: 'businessDate', headerName: 'Business day (IST)', width: 160 },
  { field: 'status', headerName: 'Status', width: 110 },
  { field: 'exceptionsFound', headerName: 'Exceptions', width: 110, type: 'number' },
  {
    field: 'ledgerNet',
    headerName: 'Ledger net (gateway receivable)',
    width: 240,
    align: 'right',
    headerAlign: 'right',
    valueGetter: (_v: unknown, row: Run) =>
      row.summary ? formatPaise(row.summary.ledgerNetPaise) : '—',
  },
  {
    field: 'requestedBy',
    headerName: 'Requested by',
    width: 150,
    valueFormatter: (v: string | null) => v ?? 'schedule',
  },
  {
    field: 'finishedAt',
    headerName: 'Finished (IST)',
    width: 220,
    valueFormatter: (v: string | null) => (v ? formatIstDateTime(v) : ''),
  },
  { field: 'error', headerName: 'Error', flex: 1, minWidth: 160 },
];

/** Asks for a day's run (finance, admin, ops leader); the run is queued and done in the background. */
function ReconcileDay() {
  const queries = useQueryClient();
  const [date, setDate] = useState(() => previousIstDay(istDay()));
  const request = useMutation({
    mutationFn: () => data(api.POST('/admin/reconciliation/runs', { body: { date } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['reconciliation-runs'] }),
  });
  return (
    <Box
      component="form"
      sx={{ display: 'flex', gap: 2, alignItems: 'center', mb: 2 }}
      onSubmit={(e) => {
        e.preventDefault();
        request.mutate();
      }}
    >
      <TextField
        label="Business day (IST)"
        type="date"
        value={date}
        onChange={(e) => setDate(e.target.value)}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <Button type="submit" variant="contained" disabled={request.isPending}>
        Reconcile this day
      </Button>
      {request.data && (
        <Typography role="status" data-testid="run-queued">
          Run for {request.data.businessDate} {request.data.status}
        </Typography>
      )}
      {request.error && <ProblemAlert error={request.error} />}
    </Box>
  );
}

export default function ReconciliationPage() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [status, setStatus] = useState<Status>('open');
  const [resolving, setResolving] = useState<Exception | null>(null);
  const mayResolve = can(role, 'POST /admin/reconciliation/exceptions/{id}/resolve');
  const exceptionColumns: GridColDef<Exception>[] = [
    { field: 'businessDate', headerName: 'Day (IST)', width: 110 },
    { field: 'category', headerName: 'Category', width: 110 },
    { field: 'kind', headerName: 'Kind', width: 230 },
    { field: 'subject', headerName: 'Subject', width: 200 },
    {
      field: 'gatewayPaise',
      headerName: 'Gateway',
      width: 140,
      align: 'right',
      headerAlign: 'right',
      valueFormatter: money,
    },
    {
      field: 'ledgerPaise',
      headerName: 'Ledger',
      width: 140,
      align: 'right',
      headerAlign: 'right',
      valueFormatter: money,
    },
    { field: 'detail', headerName: 'Detail', flex: 1, minWidth: 200 },
    { field: 'resolution', headerName: 'Resolution', width: 200 },
    ...(mayResolve && status === 'open'
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 120,
            sortable: false,
            renderCell: ({ row }: { row: Exception }) => (
              <Button size="small" variant="contained" onClick={() => setResolving(row)}>
                Resolve
              </Button>
            ),
          } satisfies GridColDef<Exception>,
        ]
      : []),
  ];
  return (
    <StaffPage title="Reconciliation" route="GET /admin/reconciliation/runs">
      <Paper sx={{ p: 2, mb: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Daily runs (ledger against Razorpay)
        </Typography>
        {can(role, 'POST /admin/reconciliation/runs') && <ReconcileDay />}
        <CursorGrid<Run>
          label="Reconciliation runs"
          noRows="No reconciliation runs yet."
          queryKey={['reconciliation-runs']}
          fetchPage={(cursor, limit) =>
            data(api.GET('/admin/reconciliation/runs', { params: { query: { cursor, limit } } }))
          }
          columns={runColumns}
          getRowId={(r) => r.id}
          refetchWhile={(page) =>
            page.items.some((r) => r.status === 'queued' || r.status === 'running')
          }
        />
      </Paper>
      <Typography variant="h6" component="h2" gutterBottom>
        Exceptions
      </Typography>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', mb: 2 }}>
        <TextField
          select
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as Status)}
          sx={{ minWidth: 200 }}
        >
          <MenuItem value="open">Open</MenuItem>
          <MenuItem value="resolved">Resolved</MenuItem>
          <MenuItem value="cleared">Cleared by a later run</MenuItem>
        </TextField>
        <Button
          onClick={() =>
            void queries.invalidateQueries({ queryKey: ['reconciliation-exceptions'] })
          }
        >
          Refresh
        </Button>
      </Box>
      <CursorGrid<Exception>
        label="Reconciliation exceptions"
        noRows="No exceptions with this status."
        queryKey={['reconciliation-exceptions', status]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/reconciliation/exceptions', {
              params: { query: { cursor, limit, status } },
            }),
          )
        }
        columns={exceptionColumns}
        getRowId={(x) => x.id}
      />
      {resolving && (
        <ReasonDialog
          title={`Resolve ${resolving.kind.replaceAll('_', ' ')}`}
          detail={`${resolving.subject}: ${resolving.detail}`}
          label="What you found and did (kept on the exception and in the audit log)"
          field="note"
          minLength={1}
          maxLength={2000}
          action="Resolve"
          submit={async (note) => {
            await data(
              api.POST('/admin/reconciliation/exceptions/{id}/resolve', {
                params: { path: { id: resolving.id } },
                body: { note },
              }),
            );
            await queries.invalidateQueries({ queryKey: ['reconciliation-exceptions'] });
          }}
          onClose={() => setResolving(null)}
        />
      )}
    </StaffPage>
  );
}
