'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { RemoteSessionDetail } from '../../../components/remote-sessions/remote-session-detail';
import {
  formatBytes,
  type RemoteSession,
} from '../../../components/remote-sessions/remote-session-view';
import { istColumn } from '../../../lib/grid';

type State = 'live' | 'ended';

export default function RemoteSessionsPage() {
  const [state, setState] = useState<State | ''>('live');
  const [openId, setOpenId] = useState<string | null>(null);
  const bytes = { valueFormatter: (v: number) => formatBytes(v) };
  const columns: GridColDef<RemoteSession>[] = [
    {
      field: 'open',
      headerName: 'Detail',
      width: 100,
      sortable: false,
      renderCell: ({ row }: { row: RemoteSession }) => (
        <Button
          size="small"
          onClick={() => setOpenId(row.id)}
          aria-label={`Open remote session ${row.id}`}
        >
          Open
        </Button>
      ),
    },
    { field: 'requestedAt', headerName: 'Requested (IST)', width: 210, ...istColumn },
    { field: 'status', headerName: 'Status', width: 120 },
    { field: 'repairJobId', headerName: 'Repair job', width: 150 },
    { field: 'target', headerName: 'Target', width: 120 },
    { field: 'endedAt', headerName: 'Ended (IST)', width: 210, ...istColumn },
    { field: 'endReason', headerName: 'Ended because', width: 160 },
    {
      field: 'up',
      headerName: 'Customer → technician',
      width: 190,
      valueGetter: (_v: unknown, row: RemoteSession) => row.totals.bytesCustomerToTechnician,
      ...bytes,
    },
    {
      field: 'down',
      headerName: 'Technician → customer',
      width: 190,
      valueGetter: (_v: unknown, row: RemoteSession) => row.totals.bytesTechnicianToCustomer,
      ...bytes,
    },
  ];
  return (
    <StaffPage title="Remote sessions" route="GET /admin/remote-sessions">
      <TextField
        select
        label="State"
        value={state}
        onChange={(e) => setState(e.target.value as State | '')}
        sx={{ minWidth: 200, mb: 2 }}
      >
        <MenuItem value="live">Live</MenuItem>
        <MenuItem value="ended">Ended</MenuItem>
        <MenuItem value="">Any</MenuItem>
      </TextField>
      <CursorGrid<RemoteSession>
        label="Remote sessions"
        noRows={state === 'live' ? 'No live sessions.' : 'No sessions here.'}
        queryKey={['remote-sessions', 'list', state]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/remote-sessions', {
              params: { query: { cursor, limit, state: state || undefined } },
            }),
          )
        }
        columns={columns}
        getRowId={(s) => s.id}
      />
      {openId && <RemoteSessionDetail remoteSessionId={openId} onClose={() => setOpenId(null)} />}
    </StaffPage>
  );
}
