'use client';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../api/client';
import { parseRupees } from '../../lib/money';
import { useAuth } from '../auth';
import { ReasonDialog } from '../reason-dialog';
import { ProblemAlert, QueryState } from '../states';
import { ACTION_LABELS, RepairView, type RepairAction } from './repair-view';

/** One repair opened from the queue, with the staff actions on it behind a reason (or a technician). */
export function RepairDetail({
  repairJobId,
  onClose,
}: {
  repairJobId: string;
  onClose: () => void;
}) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [acting, setActing] = useState<RepairAction | null>(null);
  const path = { params: { path: { repairJobId } } };
  const job = useQuery({
    queryKey: ['repairs', 'detail', repairJobId],
    queryFn: () => data(api.GET('/admin/repairs/{repairJobId}', path)),
  });
  const timeline = useQuery({
    queryKey: ['repairs', 'timeline', repairJobId],
    queryFn: () => data(api.GET('/admin/repairs/{repairJobId}/timeline', path)),
  });
  const submit = async (text: string) => {
    const reason = { ...path, body: { reason: text } };
    await data(
      acting === 'assign'
        ? api.POST('/admin/repairs/{repairJobId}/assign', { ...path, body: { technicianId: text } })
        : acting === 'confirm'
          ? api.POST('/admin/repairs/{repairJobId}/confirm', reason)
          : acting === 'withdraw-supplement'
            ? api.POST('/admin/repairs/{repairJobId}/supplements/withdraw', reason)
            : api.POST('/admin/repairs/{repairJobId}/cancel', {
                ...path,
                body: { reason: text, ...(acting === 'cancel-waive' ? { visitFee: 'waive' } : {}) },
              }),
    );
    await queries.invalidateQueries({ queryKey: ['repairs'] });
  };
  const reassign = async (reason: string, technicianId: string) => {
    await data(
      api.POST('/admin/repairs/{repairJobId}/reassign', {
        ...path,
        body: { technicianId, reason },
      }),
    );
    await queries.invalidateQueries({ queryKey: ['repairs'] });
  };
  const refund = async (reason: string, amountPaise: number) => {
    const call = { ...path, body: { amountPaise, reason } };
    await data<unknown>(
      acting === 'refund'
        ? api.POST('/admin/repairs/{repairJobId}/refund', call)
        : api.POST('/admin/repairs/{repairJobId}/refund-after-release', call),
    );
    await queries.invalidateQueries({ queryKey: ['repairs'] });
  };
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="repair-detail-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="repair-detail-title">
          Repair detail
        </Typography>
        <Button onClick={onClose}>Close</Button>
      </Stack>
      <QueryState query={job} label="Loading the repair">
        {(j) => <RepairView job={j} timeline={timeline.data} role={role} onAction={setActing} />}
      </QueryState>
      {timeline.error && <ProblemAlert error={timeline.error} />}
      {acting === 'assign' && (
        <ReasonDialog
          title="Assign the repair to a technician"
          detail="An approved, active technician of the job's kind; the assignment is audited."
          label="Technician id"
          field="technicianId"
          minLength={1}
          maxLength={64}
          action="Assign"
          submit={submit}
          onClose={() => setActing(null)}
        />
      )}
      {acting === 'reassign' && (
        <ReasonDialog<string>
          title="Reassign the repair to another technician"
          detail="Its open quote is closed; the new technician starts from the visit. An approved, active technician of the job's kind."
          input={{
            label: 'Technician id',
            field: 'technicianId',
            parse: (typed) => typed.trim() || null,
          }}
          label="Reason (kept in the repair’s timeline and the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Reassign"
          submit={reassign}
          onClose={() => setActing(null)}
        />
      )}
      {(acting === 'refund' || acting === 'refund-after-release') && (
        <ReasonDialog<number>
          title={ACTION_LABELS[acting]}
          detail={
            acting === 'refund'
              ? 'Refunded to the customer when the escrow is released; the technician is paid the rest. Less than what is held.'
              : 'Refunded to the customer and clawed back from the technician’s released share, at most what is left.'
          }
          input={{
            label: 'Amount (₹)',
            field: 'amountPaise',
            parse: parseRupees,
            helperText: 'In rupees, e.g. 1,250.50',
          }}
          label="Reason (kept with the refund and in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Refund"
          submit={refund}
          onClose={() => setActing(null)}
        />
      )}
      {acting && !['assign', 'reassign', 'refund', 'refund-after-release'].includes(acting) && (
        <ReasonDialog
          title={ACTION_LABELS[acting]}
          detail={
            acting === 'confirm'
              ? 'The repair is confirmed on the customer’s behalf: its escrow becomes due for release to the technician.'
              : acting === 'withdraw-supplement'
                ? 'The customer will not pay the supplement: the repair can be finished with what was paid.'
                : 'A paid repair is refunded by the cancellation policy.'
          }
          label="Reason (kept in the repair’s timeline and the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action={ACTION_LABELS[acting]}
          submit={submit}
          onClose={() => setActing(null)}
        />
      )}
    </Paper>
  );
}
