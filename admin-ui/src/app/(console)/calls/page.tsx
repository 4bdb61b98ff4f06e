'use client';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import Link from 'next/link';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import { roomHref, type Call } from '../../../components/chat/chat-view';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { istDayEnd, istDayStart } from '../../../lib/dates';
import { istColumn } from '../../../lib/grid';

const STATUSES = ['ringing', 'active', 'declined', 'missed', 'ended'] as const;
type Status = (typeof STATUSES)[number];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export default function CallsPage() {
  const [status, setStatus] = useState<Status | ''>('');
  const [repairJobId, setRepairJobId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const job = repairJobId.trim().toLowerCase();
  const jobError = job !== '' && !UUID.test(job);
  const range = {
    from: from ? istDayStart(from) : undefined,
    to: to ? istDayEnd(to) : undefined,
  };
  const columns: GridColDef<Call>[] = [
    { field: 'createdAt', headerName: 'Placed (IST)', width: 200, ...istColumn },
    {
      field: 'repairJobId',
      headerName: 'Repair job',
      width: 170,
      renderCell: ({ row }: { row: Call }) => (
        <Link
          href={roomHref('job', row.repairJobId)}
          aria-label={`Open repair job ${row.repairJobId}'s room and calls`}
        >
          {row.repairJobId.slice(0, 8)}
        </Link>
      ),
    },
    { field: 'kind', headerName: 'Kind', width: 80 },
    { field: 'status', headerName: 'Status', width: 100 },
    {
      field: 'parties',
      headerName: 'Caller → callee',
      width: 300,
      valueGetter: (_v: unknown, c: Call) => `${c.callerId} → ${c.calleeId}`,
    },
    {
      field: 'durationSeconds',
      headerName: 'Duration',
      width: 100,
      valueFormatter: (v: number | null) => (v === null ? '—' : `${v} s`),
    },
    {
      field: 'endReason',
      headerName: 'Ended',
      width: 160,
      valueFormatter: (v: string | null) => v?.replaceAll('_', ' ') ?? '—',
    },
    { field: 'endedAt', headerName: 'Ended (IST)', width: 200, ...istColumn },
    {
      field: 'participants',
      headerName: 'Joined',
      width: 90,
      valueGetter: (_v: unknown, c: Call) => c.participants.filter((p) => p.joinedAt).length,
    },
  ];
  return (
    <StaffPage title="Calls" route="GET /admin/calls">
      <Stack direction="row" spacing={2} sx={{ mb: 2, flexWrap: 'wrap' }} useFlexGap>
        <TextField
          label="Repair job id"
          value={repairJobId}
          onChange={(e) => setRepairJobId(e.target.value)}
          error={jobError}
          helperText={jobError ? 'A repair job id is a UUID' : ' '}
          sx={{ minWidth: 360 }}
        />
        <TextField
          select
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as Status | '')}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">Any</MenuItem>
          {STATUSES.map((s) => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          type="date"
          label="From (IST day)"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField
          type="date"
          label="To (IST day, included)"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
        />
      </Stack>
      <CursorGrid<Call>
        label="Calls"
        noRows="No calls here."
        queryKey={['calls', 'list', jobError ? '' : job, status, range.from ?? '', range.to ?? '']}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/calls', {
              params: {
                query: {
                  cursor,
                  limit,
                  status: status || undefined,
                  repairJobId: job && !jobError ? job : undefined,
                  from: range.from,
                  to: range.to,
                },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(c) => c.id}
      />
    </StaffPage>
  );
}
