'use client';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { GridColDef } from '@mui/x-data-grid';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../api/client';
import type { components } from '../../api/schema';
import { can } from '../../lib/access';
import { istColumn } from '../../lib/grid';
import { formatPaise } from '../../lib/money';
import { toProblem } from '../../lib/problem';
import { useAuth } from '../auth';
import { CursorGrid } from '../cursor-grid';
import { ReasonDialog } from '../reason-dialog';
import { ProblemAlert } from '../states';
import { adjustmentDraft, MAX_LINES, type DraftLine } from './adjustment-draft';

type Adjustment = components['schemas']['LedgerAdjustmentDto'];
type Status = Adjustment['status'];

const emptyLine = (side: DraftLine['side']): DraftLine => ({ account: '', side, rupees: '' });

/** Finance proposes a balanced entry (posted only when another finance user approves it). */
function ProposeForm({ onDone }: { onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [reference, setReference] = useState('');
  const [draft, setDraft] = useState<DraftLine[]>([emptyLine('debit'), emptyLine('credit')]);
  const checked = adjustmentDraft(draft);
  const propose = useMutation({
    mutationFn: () =>
      data(
        api.POST('/ledger/adjustments', {
          body: { reason: reason.trim(), reference: reference.trim(), lines: checked.lines! },
        }),
      ),
    onSuccess: onDone,
  });
  const errors = propose.error ? toProblem(propose.error).errors : undefined;
  const errorOf = (field: string) => errors?.find((e) => e.field === field)?.messages.join('; ');
  const setLine = (i: number, change: Partial<DraftLine>) =>
    setDraft(draft.map((l, j) => (j === i ? { ...l, ...change } : l)));
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-label="Propose">
      <Typography variant="subtitle1" component="h3" gutterBottom>
        Propose an adjustment
      </Typography>
      <Box
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          propose.mutate();
        }}
      >
        <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
          <TextField
            label="Reference"
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            slotProps={{ htmlInput: { maxLength: 200 } }}
            error={!!errorOf('reference')}
            helperText={errorOf('reference') ?? 'Ticket, bank statement line, order…'}
            sx={{ minWidth: 260 }}
          />
          <TextField
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            slotProps={{ htmlInput: { maxLength: 1000 } }}
            error={!!errorOf('reason')}
            helperText={errorOf('reason') ?? 'At least 10 characters'}
            fullWidth
          />
        </Stack>
        {draft.map((line, i) => (
          <Stack direction="row" spacing={2} sx={{ mb: 1 }} key={i}>
            <TextField
              label={`Line ${i + 1} account`}
              value={line.account}
              onChange={(e) => setLine(i, { account: e.target.value })}
              sx={{ minWidth: 320 }}
            />
            <TextField
              select
              label={`Line ${i + 1} side`}
              value={line.side}
              onChange={(e) => setLine(i, { side: e.target.value as DraftLine['side'] })}
              sx={{ minWidth: 140 }}
            >
              <MenuItem value="debit">Debit</MenuItem>
              <MenuItem value="credit">Credit</MenuItem>
            </TextField>
            <TextField
              label={`Line ${i + 1} amount (₹)`}
              value={line.rupees}
              onChange={(e) => setLine(i, { rupees: e.target.value })}
            />
            {draft.length > 2 && (
              <Button onClick={() => setDraft(draft.filter((_l, j) => j !== i))}>Remove</Button>
            )}
          </Stack>
        ))}
        <Stack direction="row" spacing={2} sx={{ alignItems: 'center', mt: 1 }}>
          <Button
            onClick={() => setDraft([...draft, emptyLine('credit')])}
            disabled={draft.length >= MAX_LINES}
          >
            Add line
          </Button>
          <Typography variant="body2" data-testid="adjustment-totals">
            Debits {formatPaise(checked.debitPaise)} · Credits {formatPaise(checked.creditPaise)}
            {checked.balanced ? ' · balanced' : ' · not balanced'}
          </Typography>
          <Button
            type="submit"
            variant="contained"
            disabled={
              !checked.lines || reason.trim().length < 10 || !reference.trim() || propose.isPending
            }
          >
            Propose
          </Button>
        </Stack>
        {errorOf('lines') && <Alert severity="error">{errorOf('lines')}</Alert>}
        {propose.error && !errors?.length && <ProblemAlert error={propose.error} />}
      </Box>
    </Paper>
  );
}

/**
 * Maker-checker adjustments: balanced entries proposed by finance with a reason and posted only when
 * another finance user approves them; the proposer may withdraw their own (the API refuses them the
 * approval).
 */
export function Adjustments() {
  const { role } = useAuth();
  const queries = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => data(api.GET('/me')) });
  const [status, setStatus] = useState<Status | ''>('proposed');
  const [proposing, setProposing] = useState(false);
  const [deciding, setDeciding] = useState<{
    adjustment: Adjustment;
    decision: 'approve' | 'reject';
  } | null>(null);
  const mayPropose = can(role, 'POST /ledger/adjustments');
  const mayDecide = can(role, 'POST /ledger/adjustments/{adjustmentId}/approve');
  const refresh = () => queries.invalidateQueries({ queryKey: ['adjustments'] });
  const columns: GridColDef<Adjustment>[] = [
    ...(mayDecide
      ? [
          {
            field: 'actions',
            headerName: 'Actions',
            width: 200,
            sortable: false,
            renderCell: ({ row }: { row: Adjustment }) =>
              row.status === 'proposed' && (
                <Stack direction="row" spacing={1} sx={{ alignItems: 'center', height: '100%' }}>
                  {row.proposedBy === me.data?.id ? (
                    <Button
                      size="small"
                      onClick={() => setDeciding({ adjustment: row, decision: 'reject' })}
                    >
                      Withdraw
                    </Button>
                  ) : (
                    <>
                      <Button
                        size="small"
                        variant="contained"
                        onClick={() => setDeciding({ adjustment: row, decision: 'approve' })}
                      >
                        Approve
                      </Button>
                      <Button
                        size="small"
                        variant="outlined"
                        onClick={() => setDeciding({ adjustment: row, decision: 'reject' })}
                      >
                        Reject
                      </Button>
                    </>
                  )}
                </Stack>
              ),
          } satisfies GridColDef<Adjustment>,
        ]
      : []),
    { field: 'proposedAt', headerName: 'Proposed (IST)', width: 200, ...istColumn },
    { field: 'status', headerName: 'Status', width: 100 },
    { field: 'reference', headerName: 'Reference', width: 160 },
    { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 200 },
    {
      field: 'lines',
      headerName: 'Lines',
      width: 320,
      valueGetter: (_v: unknown, a: Adjustment) =>
        a.lines
          .map(
            (l) => `${l.side === 'debit' ? 'Dr' : 'Cr'} ${l.account} ${formatPaise(l.amountPaise)}`,
          )
          .join('; '),
    },
    { field: 'decidedAt', headerName: 'Decided (IST)', width: 200, ...istColumn },
    { field: 'decisionReason', headerName: 'Decision', width: 180 },
    { field: 'entryId', headerName: 'Posted entry', width: 160 },
  ];
  return (
    <>
      <Stack direction="row" spacing={2} sx={{ mb: 2, alignItems: 'center' }}>
        <TextField
          select
          label="Adjustment status"
          value={status}
          onChange={(e) => setStatus(e.target.value as Status | '')}
          sx={{ minWidth: 200 }}
        >
          <MenuItem value="">Any</MenuItem>
          {(['proposed', 'approved', 'rejected'] as const).map((s) => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
        {mayPropose && !proposing && (
          <Button variant="outlined" onClick={() => setProposing(true)}>
            Propose an adjustment
          </Button>
        )}
      </Stack>
      {proposing && (
        <ProposeForm
          onDone={() => {
            setProposing(false);
            void refresh();
          }}
        />
      )}
      <CursorGrid<Adjustment>
        label="Adjustments"
        noRows="No adjustments with this status."
        queryKey={['adjustments', status]}
        fetchPage={(cursor, limit) =>
          data(
            api.GET('/ledger/adjustments', {
              params: { query: { cursor, limit, status: status || undefined } },
            }),
          )
        }
        columns={columns}
        getRowId={(a) => a.id}
      />
      {deciding && (
        <ReasonDialog
          title={
            deciding.decision === 'approve'
              ? `Approve and post ${deciding.adjustment.reference}`
              : deciding.adjustment.proposedBy === me.data?.id
                ? `Withdraw ${deciding.adjustment.reference}`
                : `Reject ${deciding.adjustment.reference}`
          }
          detail={`Proposed: ${deciding.adjustment.reason}`}
          label={
            deciding.decision === 'approve'
              ? 'Note (optional; kept in the audit log)'
              : 'Why (kept on the proposal and in the audit log)'
          }
          field="reason"
          minLength={deciding.decision === 'approve' ? 0 : 3}
          maxLength={1000}
          action={deciding.decision === 'approve' ? 'Approve' : 'Reject'}
          submit={async (reason) => {
            const path = { adjustmentId: deciding.adjustment.id };
            await data<unknown>(
              deciding.decision === 'approve'
                ? api.POST('/ledger/adjustments/{adjustmentId}/approve', {
                    params: { path },
                    body: reason ? { reason } : {},
                  })
                : api.POST('/ledger/adjustments/{adjustmentId}/reject', {
                    params: { path },
                    body: { reason },
                  }),
            );
            await refresh();
          }}
          onClose={() => setDeciding(null)}
        />
      )}
    </>
  );
}
