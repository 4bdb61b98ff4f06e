'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import { CursorGrid } from '../../../components/cursor-grid';
import { DisputeDetail } from '../../../components/disputes/dispute-detail';
import type { Dispute } from '../../../components/disputes/dispute-view';
import { StaffPage } from '../../../components/page';
import { istColumn, moneyColumn } from '../../../lib/grid';

type Status = Dispute['status'];

/** The queue is what waits for staff: opened (no answer yet) and answered. */
const STATUS_FILTERS: Record<string, { label: string; status?: Status[] }> = {
  queue: { label: 'Waiting (open or answered)', status: ['open', 'responded'] },
  open: { label: 'Open (no answer yet)', status: ['open'] },
  responded: { label: 'Answered', status: ['responded'] },
  resolved: { label: 'Resolved', status: ['resolved'] },
  any: { label: 'Any' },
};

export default function DisputesPage() {
  const [filter, setFilter] = useState('queue');
  const [subject, setSubject] = useState<'order' | 'repair' | ''>('');
  const [openId, setOpenId] = useState<string | null>(null);
  const columns: GridColDef<Dispute>[] = [
    {
      field: 'open',
      headerName: 'Detail',
      width: 100,
      sortable: false,
      renderCell: ({ row }: { row: Dispute }) => (
        <Button
          size="small"
          onClick={() => setOpenId(row.id)}
          aria-label={`Open dispute ${row.id}`}
        >
          Open
        </Button>
      ),
    },
    { field: 'createdAt', headerName: 'Opened (IST)', width: 210, ...istColumn },
    { field: 'status', headerName: 'Status', width: 110 },
    {
      field: 'subject',
      headerName: 'Of',
      width: 120,
      valueGetter: (_v: unknown, row: Dispute) =>
        `${row.repairJobId ? 'repair' : 'part'} ${row.kind}`,
    },
    { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 200 },
    {
      field: 'evidence',
      headerName: 'Evidence',
      width: 100,
      valueGetter: (v: unknown[]) => v.length,
    },
    { field: 'resolution', headerName: 'Resolution', width: 140 },
    { field: 'refundPaise', headerName: 'Refunded', width: 130, ...moneyColumn },
  ];
  return (
    <StaffPage title="Disputes" route="GET /admin/disputes">
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <TextField
          select
          label="Status"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          sx={{ minWidth: 260 }}
        >
          {Object.entries(STATUS_FILTERS).map(([key, { label }]) => (
            <MenuItem key={key} value={key}>
              {label}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label="Of"
          value={subject}
          onChange={(e) => setSubject(e.target.value as 'order' | 'repair' | '')}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">Parts and repairs</MenuItem>
          <MenuItem value="order">Parts</MenuItem>
          <MenuItem value="repair">Repairs</MenuItem>
        </TextField>
      </Stack>
      <CursorGrid<Dispute>
        label="Disputes"
        noRows="No disputes here."
        queryKey={['disputes', 'list', filter, subject]}
        fetchPage={async (cursor, limit) => {
          const page = await data(
            api.GET('/admin/disputes', {
              params: {
                query: {
                  cursor,
                  limit,
                  status: STATUS_FILTERS[filter]!.status,
                  subject: subject || undefined,
                },
              },
            }),
          );
          return { items: page.items, nextCursor: page.nextCursor ?? undefined };
        }}
        columns={columns}
        getRowId={(d) => d.id}
      />
      {openId && <DisputeDetail disputeId={openId} onClose={() => setOpenId(null)} />}
    </StaffPage>
  );
}
