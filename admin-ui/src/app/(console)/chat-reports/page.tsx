'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { roomHref } from '../../../components/chat/chat-view';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { can } from '../../../lib/access';
import { istColumn } from '../../../lib/grid';

type Report = components['schemas']['ChatReportDto'];
type Status = 'open' | 'resolved';
type Action = 'dismiss' | 'hide';

const ACTIONS: Record<Action, { label: string; detail: string }> = {
  dismiss: { label: 'Dismiss', detail: 'The message stays as it is. Audited.' },
  hide: {
    label: 'Hide message',
    detail:
      'Its parties no longer see its text; staff still do, and the original is kept. Other open reports of the message are resolved with this one. Audited.',
  },
};

export default function ChatReportsPage() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [status, setStatus] = useState<Status | ''>('open');
  const [resolving, setResolving] = useState<{ report: Report; action: Action } | null>(null);
  const mayResolve = can(role, 'POST /admin/chat/reports/{id}/resolve');
  const resolve = async (reason: string) => {
    await data(
      api.POST('/admin/chat/reports/{id}/resolve', {
        params: { path: { id: resolving!.report.id } },
        body: { action: resolving!.action, reason },
      }),
    );
    await queries.invalidateQueries({ queryKey: ['chat-reports'] });
  };
  const columns: GridColDef<Report>[] = [
    { field: 'reportedAt', headerName: 'Reported (IST)', width: 200, ...istColumn },
    {
      field: 'reporter',
      headerName: 'Reporter',
      width: 160,
      valueGetter: (_v: unknown, r: Report) => r.reporterName ?? r.reporterId,
    },
    { field: 'reason', headerName: 'Reason', width: 180 },
    {
      field: 'message',
      headerName: 'Message',
      width: 260,
      valueGetter: (_v: unknown, r: Report) =>
        [r.attachmentType && `[${r.attachmentType}]`, r.body].filter(Boolean).join(' '),
    },
    {
      field: 'room',
      headerName: 'Room',
      width: 200,
      sortable: false,
      valueGetter: (_v: unknown, r: Report) => `${r.roomKind}:${r.roomSubjectId}`,
      renderCell: ({ row }: { row: Report }) => (
        <Link
          href={roomHref(row.roomKind, row.roomSubjectId)}
          aria-label={`Open the room of ${row.roomKind === 'job' ? 'repair job' : 'sub-order'} ${row.roomSubjectId}`}
        >
          {row.roomKind === 'job' ? 'Job' : 'Sub-order'} {row.roomSubjectId.slice(0, 8)}
        </Link>
      ),
    },
    {
      field: 'hidden',
      headerName: 'Hidden',
      width: 90,
      valueFormatter: (v: boolean) => (v ? 'yes' : 'no'),
    },
    {
      field: 'resolution',
      headerName: 'Resolution',
      width: 240,
      sortable: false,
      valueGetter: (_v: unknown, r: Report) =>
        r.resolution ? `${r.resolution.action}: ${r.resolution.reason}` : '',
      renderCell: ({ row }: { row: Report }) =>
        row.resolution ? (
          `${row.resolution.action === 'hide' ? 'Hidden' : 'Dismissed'}: ${row.resolution.reason}`
        ) : mayResolve ? (
          <Stack direction="row" spacing={1}>
            {(['dismiss', 'hide'] as const)
              .filter((a) => a === 'dismiss' || !row.hidden)
              .map((a) => (
                <Button
                  key={a}
                  size="small"
                  onClick={() => setResolving({ report: row, action: a })}
                  aria-label={`${ACTIONS[a].label}: report ${row.id}`}
                >
                  {ACTIONS[a].label}
                </Button>
              ))}
          </Stack>
        ) : (
          'Open'
        ),
    },
  ];
  return (
    <StaffPage title="Chat reports" route="GET /admin/chat/reports">
      <Typography variant="body2" sx={{ mb: 2 }}>
        Messages the parties reported, open reports first, oldest first. Open a report’s room to
        read the conversation around it.
      </Typography>
      <TextField
        select
        label="Status"
        value={status}
        onChange={(e) => setStatus(e.target.value as Status | '')}
        sx={{ minWidth: 200, mb: 2 }}
      >
        <MenuItem value="open">Open</MenuItem>
        <MenuItem value="resolved">Resolved</MenuItem>
        <MenuItem value="">Any</MenuItem>
      </TextField>
      <CursorGrid<Report>
        label="Chat reports"
        noRows={status === 'open' ? 'No open reports.' : 'No reports here.'}
        queryKey={['chat-reports', status]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/chat/reports', {
              params: { query: { cursor, limit, status: status || undefined } },
            }),
          )
        }
        columns={columns}
        getRowId={(r) => r.id}
      />
      {resolving && (
        <ReasonDialog
          title={`${ACTIONS[resolving.action].label}: report of ${resolving.report.reporterName ?? resolving.report.reporterId}`}
          detail={ACTIONS[resolving.action].detail}
          label="Reason (kept with the report and in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action={ACTIONS[resolving.action].label}
          submit={resolve}
          onClose={() => setResolving(null)}
        />
      )}
    </StaffPage>
  );
}
