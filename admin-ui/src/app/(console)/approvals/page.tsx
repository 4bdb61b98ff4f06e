'use client';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ProblemAlert } from '../../../components/states';
import { can, type ApiRoute } from '../../../lib/access';
import { formatIstDateTime } from '../../../lib/dates';
import { toProblem } from '../../../lib/problem';

type Account = components['schemas']['AccountDto'];
type Action = 'approve' | 'suspend' | 'block';
const ACTIONS: { action: Action; label: string; route: ApiRoute }[] = [
  { action: 'approve', label: 'Approve', route: 'POST /admin/users/{id}/approve' },
  { action: 'suspend', label: 'Suspend', route: 'POST /admin/users/{id}/suspend' },
  { action: 'block', label: 'Block', route: 'POST /admin/users/{id}/block' },
];
type Role = 'dealer' | 'business' | 'technician' | '';

/** The reason dialog: the API's rule (3–500 characters) checked first, the API's field errors shown after. */
function ActionDialog({
  account,
  action,
  onClose,
}: {
  account: Account;
  action: Action;
  onClose: () => void;
}) {
  const queries = useQueryClient();
  const [reason, setReason] = useState('');
  const change = useMutation({
    mutationFn: () =>
      data(
        api.POST(`/admin/users/{id}/${action}`, {
          params: { path: { id: account.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['approvals'] });
      onClose();
    },
  });
  const tooShort = reason.trim().length < 3;
  const apiError = change.error
    ? toProblem(change.error).errors?.find((e) => e.field === 'reason')
    : undefined;
  const label = ACTIONS.find((a) => a.action === action)!.label;
  return (
    <Dialog open onClose={onClose} aria-labelledby="action-title" fullWidth>
      <DialogTitle id="action-title">
        {label} {account.businessName ?? account.displayName}
      </DialogTitle>
      <DialogContent>
        <TextField
          label="Reason (kept in the account's history and the audit log)"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          fullWidth
          multiline
          autoFocus
          sx={{ mt: 1 }}
          slotProps={{ htmlInput: { maxLength: 500 } }}
          error={!!apiError}
          helperText={apiError?.messages.join('; ') ?? 'At least 3 characters'}
        />
        {change.error && !apiError && <ProblemAlert error={change.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          disabled={tooShort || change.isPending}
          onClick={() => change.mutate()}
        >
          {label}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export default function ApprovalsPage() {
  const { role } = useAuth();
  const [kind, setKind] = useState<Role>('');
  const [acting, setActing] = useState<{ account: Account; action: Action } | null>(null);
  const actions = ACTIONS.filter((a) => can(role, a.route));
  const columns: GridColDef<Account>[] = [
    {
      field: 'createdAt',
      headerName: 'Applied (IST)',
      width: 210,
      valueFormatter: (v: string) => formatIstDateTime(v),
    },
    { field: 'role', headerName: 'Kind', width: 110 },
    { field: 'displayName', headerName: 'Name', width: 180 },
    { field: 'businessName', headerName: 'Business', flex: 1, minWidth: 160 },
    { field: 'gstin', headerName: 'GSTIN', width: 170 },
    { field: 'email', headerName: 'Email', width: 220 },
    { field: 'status', headerName: 'Status', width: 100 },
    ...(actions.length
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 280,
            sortable: false,
            renderCell: ({ row }: { row: Account }) => (
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
                {actions.map((a) => (
                  <Button
                    key={a.action}
                    size="small"
                    variant={a.action === 'approve' ? 'contained' : 'outlined'}
                    onClick={() => setActing({ account: row, action: a.action })}
                  >
                    {a.label}
                  </Button>
                ))}
              </Stack>
            ),
          } satisfies GridColDef<Account>,
        ]
      : []),
  ];
  return (
    <StaffPage title="Approvals" route="GET /admin/approvals">
      <TextField
        select
        label="Kind"
        value={kind}
        onChange={(e) => setKind(e.target.value as Role)}
        sx={{ minWidth: 200, mb: 2 }}
      >
        <MenuItem value="">All</MenuItem>
        <MenuItem value="dealer">Dealers</MenuItem>
        <MenuItem value="business">Business buyers</MenuItem>
        <MenuItem value="technician">Technicians</MenuItem>
      </TextField>
      <CursorGrid<Account>
        label="Accounts waiting for approval"
        noRows="Nobody is waiting for approval."
        queryKey={['approvals', kind]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/admin/approvals', {
              params: { query: { cursor, limit, role: kind || undefined } },
            }),
          )
        }
        columns={columns}
        getRowId={(a) => a.id}
      />
      {acting && <ActionDialog {...acting} onClose={() => setActing(null)} />}
    </StaffPage>
  );
}
