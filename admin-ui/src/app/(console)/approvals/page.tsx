'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import type { GridColDef } from '@mui/x-data-grid';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../../api/client';
import type { components } from '../../../api/schema';
import { useAuth } from '../../../components/auth';
import { ApplicantDetail } from '../../../components/approvals/applicant-detail';
import { CursorGrid } from '../../../components/cursor-grid';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { can, type ApiRoute, type StaffRole } from '../../../lib/access';
import { formatIstDateTime } from '../../../lib/dates';

type Account = components['schemas']['AccountDto'];
type Action = 'approve' | 'suspend' | 'block';
const ACTIONS: { action: Action; label: string; route: ApiRoute }[] = [
  { action: 'approve', label: 'Approve', route: 'POST /admin/users/{id}/approve' },
  { action: 'suspend', label: 'Suspend', route: 'POST /admin/users/{id}/suspend' },
  { action: 'block', label: 'Block', route: 'POST /admin/users/{id}/block' },
];
type Role = 'dealer' | 'business' | 'technician' | '';
/**
 * Who may force a status change the policy forbids (e.g. suspending a pending applicant): the API's
 * `override` ability on accounts (src/access/ability.factory.ts), which no route names.
 */
const OVERRIDERS: StaffRole[] = ['ops_leader'];
const nameOf = (a: Account) => a.businessName ?? a.displayName;

export default function ApprovalsPage() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [kind, setKind] = useState<Role>('');
  const [acting, setActing] = useState<{ account: Account; action: Action } | null>(null);
  const [viewing, setViewing] = useState<Account | null>(null);
  const actions = ACTIONS.filter((a) => can(role, a.route));
  const readsDetail = can(role, 'GET /admin/users/{id}');
  const readsDocuments = can(role, 'GET /admin/approvals/{userId}/documents');
  const overrides = !!role && OVERRIDERS.includes(role);
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
    ...(readsDetail
      ? [
          {
            field: 'detail',
            headerName: 'Detail',
            width: 130,
            sortable: false,
            renderCell: ({ row }: { row: Account }) => (
              <Button
                size="small"
                aria-label={`Open ${nameOf(row)}: history${readsDocuments ? ' and KYC documents' : ''}`}
                onClick={() => setViewing(row)}
              >
                Open
              </Button>
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
      {viewing && (
        <ApplicantDetail
          key={viewing.id}
          userId={viewing.id}
          name={nameOf(viewing)}
          readsDocuments={readsDocuments}
          onClose={() => setViewing(null)}
        />
      )}
      {acting && (
        <ReasonDialog
          title={`${ACTIONS.find((a) => a.action === acting.action)!.label} ${nameOf(acting.account)}`}
          label="Reason (kept in the account's history and the audit log)"
          field="reason"
          minLength={3}
          maxLength={500}
          action={ACTIONS.find((a) => a.action === acting.action)!.label}
          {...(overrides
            ? {
                option: {
                  label:
                    'Override the policy (marked as an ops-leader override in the history and the audit log)',
                },
              }
            : {})}
          submit={async (reason, _value, override) => {
            await data(
              api.POST(`/admin/users/{id}/${acting.action}`, {
                params: { path: { id: acting.account.id } },
                body: { reason, ...(override ? { override } : {}) },
              }),
            );
            await queries.invalidateQueries({ queryKey: ['approvals'] });
          }}
          onClose={() => setActing(null)}
        />
      )}
    </StaffPage>
  );
}
