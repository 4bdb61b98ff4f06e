'use client';
import Button from '@mui/material/Button';
import type { GridColDef } from '@mui/x-data-grid';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { can } from '../../../lib/access';
import { istColumn } from '../../../lib/grid';

type Block = components['schemas']['AbuseBlockDto'];

export default function AbusePage() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [lifting, setLifting] = useState<Block | null>(null);
  const columns: GridColDef<Block>[] = [
    { field: 'kind', headerName: 'Kind', width: 110 },
    { field: 'value', headerName: 'Blocked', flex: 1, minWidth: 220 },
    { field: 'blockedAt', headerName: 'Since (IST)', width: 210, ...istColumn },
    { field: 'blockedUntil', headerName: 'Until (IST)', width: 210, ...istColumn },
    { field: 'penalty', headerName: 'Penalty level', width: 120, type: 'number' },
    ...(can(role, 'DELETE /admin/abuse/blocks/{kind}/{value}')
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 110,
            sortable: false,
            renderCell: ({ row }: { row: Block }) => (
              <Button size="small" variant="outlined" onClick={() => setLifting(row)}>
                Lift
              </Button>
            ),
          } satisfies GridColDef<Block>,
        ]
      : []),
  ];
  return (
    <StaffPage title="Abuse blocks" route="GET /admin/abuse/blocks">
      <CursorGrid<Block>
        label="Abuse blocks"
        noRows="Nothing is blocked."
        queryKey={['abuse-blocks']}
        fetchPage={(cursor, limit) =>
          data(api.GET('/admin/abuse/blocks', { params: { query: { cursor, limit } } }))
        }
        columns={columns}
        getRowId={(b) => `${b.kind}:${b.value}`}
      />
      {lifting && (
        <ReasonDialog
          title={`Lift the block of ${lifting.kind} ${lifting.value}`}
          detail="Its requests are let through again at once; repeated abuse blocks it anew."
          label="Reason (kept in the audit log)"
          field="reason"
          minLength={3}
          maxLength={500}
          action="Lift"
          submit={async (reason) => {
            await data(
              api.DELETE('/admin/abuse/blocks/{kind}/{value}', {
                params: { path: { kind: lifting.kind, value: lifting.value } },
                body: { reason },
              }),
            );
            await queries.invalidateQueries({ queryKey: ['abuse-blocks'] });
          }}
          onClose={() => setLifting(null)}
        />
      )}
    </StaffPage>
  );
}
