'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { FraudHolds } from '../../../components/fraud-holds';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { ProblemAlert } from '../../../components/states';
import { can } from '../../../lib/access';
import { istColumn, moneyColumn } from '../../../lib/grid';

type PaymentAlert = components['schemas']['PaymentAlertDto'];
type FraudAlert = components['schemas']['FraudAlertDto'];
type State = 'open' | 'resolved';

/** "3 h 05 min" from seconds. */
function age(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A select over one of a list's filters ('' for any). */
function Filter<V extends string>({
  label,
  value,
  options,
  onChange,
  any = true,
}: {
  label: string;
  value: V | '';
  options: readonly V[];
  onChange: (v: V | '') => void;
  any?: boolean;
}) {
  return (
    <TextField
      select
      label={label}
      value={value}
      onChange={(e) => onChange(e.target.value as V | '')}
      sx={{ minWidth: 200 }}
    >
      {any && <MenuItem value="">Any</MenuItem>}
      {options.map((o) => (
        <MenuItem key={o} value={o}>
          {o.replaceAll('_', ' ')}
        </MenuItem>
      ))}
    </TextField>
  );
}

/** The owner column and the staff actions of an open alert: take it, resolve it (with a note). */
function alertActions<
  Row extends { id: string; ownerId: string | null; resolvedAt: string | null },
>(
  meId: string | undefined,
  take: (row: Row) => void,
  resolve: (row: Row) => React.ReactNode,
): GridColDef<Row> {
  return {
    field: 'actions',
    headerName: 'Actions',
    width: 300,
    sortable: false,
    renderCell: ({ row }: { row: Row }) =>
      !row.resolvedAt && (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
          {row.ownerId !== meId && (
            <Button size="small" variant="outlined" onClick={() => take(row)}>
              Assign to me
            </Button>
          )}
          {resolve(row)}
        </Stack>
      ),
  };
}

function PaymentAlerts({ meId }: { meId: string | undefined }) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [kind, setKind] = useState<PaymentAlert['kind'] | ''>('');
  const [state, setState] = useState<State | ''>('open');
  const [resolving, setResolving] = useState<PaymentAlert | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ['payment-alerts'] });
  const assign = useMutation({
    mutationFn: (a: PaymentAlert) =>
      data(api.POST('/admin/payment-alerts/{id}/assign', { params: { path: { id: a.id } } })),
    onSuccess: refresh,
  });
  const columns: GridColDef<PaymentAlert>[] = [
    ...(can(role, 'POST /admin/payment-alerts/{id}/resolve')
      ? [
          alertActions<PaymentAlert>(
            meId,
            (a) => assign.mutate(a),
            (a) => (
              <Button size="small" variant="contained" onClick={() => setResolving(a)}>
                Resolve
              </Button>
            ),
          ),
        ]
      : []),
    { field: 'openedAt', headerName: 'Opened (IST)', width: 210, ...istColumn },
    { field: 'kind', headerName: 'Kind', width: 140 },
    { field: 'orderId', headerName: 'Order', width: 140 },
    { field: 'reason', headerName: 'Reason', width: 160 },
    { field: 'amountPaise', headerName: 'Amount', width: 130, ...moneyColumn },
    {
      field: 'ageSeconds',
      headerName: 'Age',
      width: 110,
      valueFormatter: (v: number) => age(v),
    },
    { field: 'ownerName', headerName: 'Owner', width: 140 },
    { field: 'resolvedAt', headerName: 'Resolved (IST)', width: 210, ...istColumn },
    { field: 'note', headerName: 'Note', width: 180 },
  ];
  return (
    <>
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <Filter
          label="Kind"
          value={kind}
          options={['payment_stuck', 'escrow_sla', 'transfer_failed', 'webhook_rejected'] as const}
          onChange={setKind}
        />
        <Filter
          label="State"
          value={state}
          options={['open', 'resolved'] as const}
          onChange={setState}
        />
      </Stack>
      {assign.error && <ProblemAlert error={assign.error} />}
      <CursorGrid<PaymentAlert>
        label="Payment alerts"
        noRows="No payment alerts."
        queryKey={['payment-alerts', kind, state]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/payment-alerts', {
              params: {
                query: { cursor, limit, kind: kind || undefined, state: state || undefined },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(a) => a.id}
      />
      {resolving && (
        <ReasonDialog
          title={`Resolve: ${resolving.reason}`}
          label="Resolution note (kept with the alert and in the audit log)"
          field="note"
          minLength={1}
          maxLength={2000}
          action="Resolve"
          submit={async (note) => {
            await data(
              api.POST('/admin/payment-alerts/{id}/resolve', {
                params: { path: { id: resolving.id } },
                body: { note },
              }),
            );
            await refresh();
          }}
          onClose={() => setResolving(null)}
        />
      )}
    </>
  );
}

const RULES = [
  'new_account_high_value',
  'order_velocity',
  'refund_abuse',
  'self_dealing',
  'shared_device_rating',
] as const;

function FraudAlerts({ meId }: { meId: string | undefined }) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [rule, setRule] = useState<FraudAlert['rule'] | ''>('');
  const [state, setState] = useState<State | ''>('open');
  const [resolving, setResolving] = useState<{
    alert: FraudAlert;
    resolution: 'confirmed' | 'dismissed';
  } | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ['fraud-alerts'] });
  const assign = useMutation({
    mutationFn: (a: FraudAlert) =>
      data(
        api.POST('/admin/fraud/alerts/{id}/assign', { params: { path: { id: a.id } }, body: {} }),
      ),
    onSuccess: refresh,
  });
  const columns: GridColDef<FraudAlert>[] = [
    ...(can(role, 'POST /admin/fraud/alerts/{id}/resolve')
      ? [
          alertActions<FraudAlert>(
            meId,
            (a) => assign.mutate(a),
            (a) => (
              <>
                <Button
                  size="small"
                  variant="contained"
                  onClick={() => setResolving({ alert: a, resolution: 'confirmed' })}
                >
                  Confirm
                </Button>
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() => setResolving({ alert: a, resolution: 'dismissed' })}
                >
                  Dismiss
                </Button>
              </>
            ),
          ),
        ]
      : []),
    { field: 'openedAt', headerName: 'Opened (IST)', width: 210, ...istColumn },
    { field: 'rule', headerName: 'Rule', width: 190 },
    { field: 'action', headerName: 'Action', width: 90 },
    { field: 'holdStatus', headerName: 'Hold', width: 90 },
    { field: 'accountId', headerName: 'Account', width: 140 },
    { field: 'orderId', headerName: 'Order', width: 140 },
    {
      field: 'evidence',
      headerName: 'Evidence',
      flex: 1,
      minWidth: 200,
      valueFormatter: (v: object) => JSON.stringify(v),
    },
    { field: 'ownerName', headerName: 'Owner', width: 140 },
    { field: 'resolution', headerName: 'Resolution', width: 110 },
    { field: 'note', headerName: 'Note', width: 180 },
  ];
  return (
    <>
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <Filter label="Rule" value={rule} options={RULES} onChange={setRule} />
        <Filter
          label="State"
          value={state}
          options={['open', 'resolved'] as const}
          onChange={setState}
        />
      </Stack>
      {assign.error && <ProblemAlert error={assign.error} />}
      <CursorGrid<FraudAlert>
        label="Fraud alerts"
        noRows="No fraud alerts."
        queryKey={['fraud-alerts', rule, state]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/fraud/alerts', {
              params: {
                query: { cursor, limit, rule: rule || undefined, state: state || undefined },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(a) => a.id}
      />
      {resolving && (
        <ReasonDialog
          title={`${resolving.resolution === 'confirmed' ? 'Confirm' : 'Dismiss'} the ${resolving.alert.rule.replaceAll('_', ' ')} alert`}
          label="Note (kept with the alert and in the audit log)"
          field="note"
          minLength={1}
          maxLength={2000}
          action={resolving.resolution === 'confirmed' ? 'Confirm' : 'Dismiss'}
          submit={async (note) => {
            await data(
              api.POST('/admin/fraud/alerts/{id}/resolve', {
                params: { path: { id: resolving.alert.id } },
                body: { resolution: resolving.resolution, note },
              }),
            );
            await refresh();
          }}
          onClose={() => setResolving(null)}
        />
      )}
    </>
  );
}

export default function AlertsPage() {
  const { role } = useAuth();
  const me = useQuery({ queryKey: ['me'], queryFn: () => data(api.GET('/me')) });
  return (
    <StaffPage title="Alerts" route="GET /admin/payment-alerts">
      <Paper sx={{ p: 2, mb: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Payment and SLA alerts
        </Typography>
        <PaymentAlerts meId={me.data?.id} />
      </Paper>
      {can(role, 'GET /admin/fraud/alerts') && (
        <Paper sx={{ p: 2 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Fraud alerts
          </Typography>
          <FraudAlerts meId={me.data?.id} />
        </Paper>
      )}
      {can(role, 'GET /admin/fraud/holds') && (
        <Paper sx={{ p: 2, mt: 3 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Orders held by the fraud checks
          </Typography>
          <FraudHolds />
        </Paper>
      )}
    </StaffPage>
  );
}
