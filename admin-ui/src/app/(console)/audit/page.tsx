'use client';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { ExportPanel } from '../../../components/export-panel';
import { StaffPage } from '../../../components/page';
import { Loading, ProblemAlert } from '../../../components/states';
import { can } from '../../../lib/access';
import {
  formatIstDateTime,
  istDay,
  istDayEnd,
  istDayStart,
  previousIstDay,
} from '../../../lib/dates';

type AuditEvent = components['schemas']['AuditEventDto'];

const columns: GridColDef<AuditEvent>[] = [
  { field: 'seq', headerName: 'Seq', width: 80 },
  {
    field: 'occurredAt',
    headerName: 'When (IST)',
    width: 220,
    valueFormatter: (v: string) => formatIstDateTime(v),
  },
  { field: 'action', headerName: 'Action', width: 200 },
  { field: 'actorRole', headerName: 'Actor role', width: 120 },
  { field: 'actorId', headerName: 'Actor', width: 140 },
  { field: 'targetType', headerName: 'Target', width: 120 },
  { field: 'targetId', headerName: 'Target id', width: 140 },
  { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 160 },
  { field: 'override', headerName: 'Override', width: 100, type: 'boolean' },
];

function VerifyChain() {
  const verify = useMutation({ mutationFn: () => data(api.GET('/audit/verify')) });
  return (
    <Paper sx={{ p: 2, mb: 3 }}>
      <Typography variant="h6" component="h2" gutterBottom>
        Chain integrity
      </Typography>
      <Button variant="contained" onClick={() => verify.mutate()} disabled={verify.isPending}>
        Verify the audit chain
      </Button>
      {verify.isPending && <Loading label="Verifying every event's hash" />}
      {verify.error && <ProblemAlert error={verify.error} />}
      {verify.data &&
        (verify.data.intact ? (
          <Alert severity="success" sx={{ mt: 2 }} data-testid="chain-status">
            Intact: {verify.data.count.toLocaleString('en-IN')} events verified
            {verify.data.head && (
              <>
                {' '}
                · head <code>{verify.data.head.hash.slice(0, 16)}…</code>
              </>
            )}
            {verify.data.anchor
              ? ` · matches the anchor of ${formatIstDateTime(verify.data.anchor.at)} (${verify.data.anchor.count} events)`
              : ' · no anchor yet'}
          </Alert>
        ) : (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="chain-status">
            Broken at event {verify.data.firstBad?.seq}: {verify.data.firstBad?.problem} —{' '}
            {verify.data.firstBad?.detail}
          </Alert>
        ))}
    </Paper>
  );
}

export default function AuditPage() {
  const { role } = useAuth();
  const today = istDay();
  const [filters, setFilters] = useState({
    from: previousIstDay(today),
    to: today,
    action: '',
    actorId: '',
    targetType: '',
    targetId: '',
  });
  const [applied, setApplied] = useState(filters);
  const set = (key: keyof typeof filters) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setFilters({ ...filters, [key]: e.target.value });
  return (
    <StaffPage title="Audit log" route="GET /audit/events">
      {can(role, 'GET /audit/verify') && <VerifyChain />}
      <Typography variant="h6" component="h2" gutterBottom>
        Search
      </Typography>
      <Box
        component="form"
        sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, mb: 2 }}
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <TextField
          label="From (IST day)"
          type="date"
          value={filters.from}
          onChange={set('from')}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField
          label="To (IST day, inclusive)"
          type="date"
          value={filters.to}
          onChange={set('to')}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField label="Action" value={filters.action} onChange={set('action')} />
        <TextField label="Actor id" value={filters.actorId} onChange={set('actorId')} />
        <TextField label="Target type" value={filters.targetType} onChange={set('targetType')} />
        <TextField label="Target id" value={filters.targetId} onChange={set('targetId')} />
        <Button type="submit" variant="contained">
          Search
        </Button>
      </Box>
      <CursorGrid<AuditEvent>
        label="Audit events"
        noRows="No audit events match."
        queryKey={['audit', applied]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/audit/events', {
              params: {
                query: {
                  cursor,
                  limit,
                  from: istDayStart(applied.from),
                  to: istDayEnd(applied.to),
                  action: applied.action || undefined,
                  actorId: applied.actorId || undefined,
                  targetType: applied.targetType || undefined,
                  targetId: applied.targetId || undefined,
                },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(e) => e.id}
      />
      {can(role, 'GET /audit/events/export') && (
        <Paper sx={{ p: 2, mt: 3 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Export
          </Typography>
          <ExportPanel path="audit/events/export" fileStem="audit-events" />
        </Paper>
      )}
    </StaffPage>
  );
}
