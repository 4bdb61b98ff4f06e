'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { RepairDetail } from '../../../components/repairs/repair-detail';
import { istColumn, moneyColumn } from '../../../lib/grid';

type Job = components['schemas']['RepairJobDto'];
type Status = Job['status'];

const STATUSES: Status[] = [
  'awaiting_assignment',
  'matching',
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
  'in_progress',
  'done',
  'disputed',
  'confirmed',
  'closed',
  'cancelled',
];

export default function RepairsPage() {
  const [status, setStatus] = useState<Status | ''>('awaiting_assignment');
  const [kind, setKind] = useState<Job['kind'] | ''>('');
  const [openId, setOpenId] = useState<string | null>(null);
  const columns: GridColDef<Job>[] = [
    {
      field: 'open',
      headerName: 'Detail',
      width: 100,
      sortable: false,
      renderCell: ({ row }: { row: Job }) => (
        <Button
          size="small"
          onClick={() => setOpenId(row.id)}
          aria-label={`Open repair ${row.deviceBrand} ${row.deviceModel} ${row.id}`}
        >
          Open
        </Button>
      ),
    },
    { field: 'createdAt', headerName: 'Requested (IST)', width: 210, ...istColumn },
    { field: 'status', headerName: 'Status', width: 160 },
    { field: 'kind', headerName: 'Kind', width: 90 },
    { field: 'mode', headerName: 'Mode', width: 80 },
    {
      field: 'device',
      headerName: 'Device',
      width: 170,
      valueGetter: (_v: unknown, row: Job) => `${row.deviceBrand} ${row.deviceModel}`,
    },
    { field: 'problem', headerName: 'Problem', flex: 1, minWidth: 180 },
    { field: 'technicianId', headerName: 'Technician', width: 140 },
    { field: 'paidPaise', headerName: 'Paid', width: 130, ...moneyColumn },
    { field: 'amountDuePaise', headerName: 'Due', width: 130, ...moneyColumn },
  ];
  return (
    <StaffPage title="Repairs" route="GET /admin/repairs">
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <TextField
          select
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as Status | '')}
          sx={{ minWidth: 220 }}
        >
          <MenuItem value="">Any</MenuItem>
          {STATUSES.map((s) => (
            <MenuItem key={s} value={s}>
              {s === 'awaiting_assignment'
                ? 'awaiting assignment (the queue)'
                : s.replaceAll('_', ' ')}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label="Kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as Job['kind'] | '')}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">Any</MenuItem>
          <MenuItem value="hardware">Hardware</MenuItem>
          <MenuItem value="software">Software</MenuItem>
        </TextField>
      </Stack>
      <CursorGrid<Job>
        label="Repairs"
        noRows="No repairs with this status."
        queryKey={['repairs', 'list', status, kind]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/repairs', {
              params: {
                query: { cursor, limit, status: status || undefined, kind: kind || undefined },
              },
            }),
          )
        }
        columns={columns}
        getRowId={(j) => j.id}
      />
      {openId && <RepairDetail repairJobId={openId} onClose={() => setOpenId(null)} />}
    </StaffPage>
  );
}
