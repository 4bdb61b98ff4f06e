'use client';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useMutation } from '@tanstack/react-query';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { ExportPanel } from '../../../components/export-panel';
import { StaffPage } from '../../../components/page';
import { SearchForm, useSearch } from '../../../components/search-form';
import { Loading, ProblemAlert } from '../../../components/states';
import { can } from '../../../lib/access';
import { formatIstDateTime, istDayEnd, istDayStart } from '../../../lib/dates';

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

function VerifyLedger() {
  const verify = useMutation({ mutationFn: () => data(api.GET('/ledger/verify')) });
  const r = verify.data;
  return (
    <Paper sx={{ p: 2, mb: 3 }}>
      <Typography variant="h6" component="h2" gutterBottom>
        Ledger seals
      </Typography>
      <Button variant="contained" onClick={() => verify.mutate()} disabled={verify.isPending}>
        Verify the ledger and its seals
      </Button>
      {verify.isPending && <Loading label="Recomputing every entry hash and seal" />}
      {verify.error && <ProblemAlert error={verify.error} />}
      {r &&
        (r.ok ? (
          <Alert severity="success" sx={{ mt: 2 }} data-testid="ledger-status">
            Intact: {r.entriesChecked.toLocaleString('en-IN')} entries checked,{' '}
            {r.sealsChecked.toLocaleString('en-IN')} seals covering{' '}
            {r.sealedEntries.toLocaleString('en-IN')} entries,{' '}
            {r.unsealedEntries.toLocaleString('en-IN')} not sealed yet
            {r.lastSeal && (
              <>
                {' '}
                · last seal {r.lastSeal.sealNo} <code>{r.lastSeal.hash.slice(0, 16)}…</code>
              </>
            )}
            {r.anchor ? ` · holds the anchor ${r.anchor}` : ' · no anchor yet'}
          </Alert>
        ) : (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="ledger-status">
            Not intact: {r.firstProblem?.message}
            {r.problemsTotal > 1 && ` (and ${r.problemsTotal - 1} more)`}
          </Alert>
        ))}
    </Paper>
  );
}

export default function AuditPage() {
  const { role } = useAuth();
  const search = useSearch(['action', 'actorId', 'targetType', 'targetId'] as const);
  const { applied } = search;
  return (
    <StaffPage title="Audit log" route="GET /audit/events">
      {can(role, 'GET /audit/verify') && <VerifyChain />}
      {can(role, 'GET /ledger/verify') && <VerifyLedger />}
      <Typography variant="h6" component="h2" gutterBottom>
        Search
      </Typography>
      <SearchForm
        search={search}
        fields={[
          { key: 'action', label: 'Action' },
          { key: 'actorId', label: 'Actor id' },
          { key: 'targetType', label: 'Target type' },
          { key: 'targetId', label: 'Target id' },
        ]}
      />
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
