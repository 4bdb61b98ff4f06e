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
import { QueryState } from '../states';
import { DisputeView, OUTCOME_LABELS, type DisputeOutcome } from './dispute-view';
import { EvidenceViewer } from './evidence-viewer';

const DETAIL: Record<DisputeOutcome, string> = {
  release:
    'The escrow is released: the dealer (or technician) is paid and the sub-order completes or the repair is confirmed.',
  partial_refund:
    'The amount goes back to the buyer and the rest is released to the dealer or technician. More than ₹0 and less than what is held.',
  full_refund: 'The buyer gets the whole escrow back; the sub-order or the repair is cancelled.',
};

/** One dispute opened from the queue: its messages, its evidence, and its resolution behind a reason. */
export function DisputeDetail({ disputeId, onClose }: { disputeId: string; onClose: () => void }) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [outcome, setOutcome] = useState<DisputeOutcome | null>(null);
  const path = { params: { path: { id: disputeId } } };
  const dispute = useQuery({
    queryKey: ['disputes', 'detail', disputeId],
    queryFn: () => data(api.GET('/disputes/{id}', path)),
  });
  const resolve = async (reason: string, refundPaise?: number) => {
    await data(
      api.POST('/admin/disputes/{id}/resolve', {
        ...path,
        body: { outcome: outcome!, reason, ...(refundPaise ? { refundPaise } : {}) },
      }),
    );
    await queries.invalidateQueries({ queryKey: ['disputes'] });
  };
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="dispute-detail-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="dispute-detail-title">
          Dispute detail
        </Typography>
        <Button onClick={onClose}>Close</Button>
      </Stack>
      <QueryState query={dispute} label="Loading the dispute">
        {(d) => (
          <>
            <DisputeView dispute={d} role={role} onResolve={setOutcome} />
            <EvidenceViewer dispute={d} />
          </>
        )}
      </QueryState>
      {outcome === 'partial_refund' && (
        <ReasonDialog<number>
          title={OUTCOME_LABELS[outcome]}
          detail={DETAIL[outcome]}
          input={{
            label: 'Refund (₹)',
            field: 'refundPaise',
            parse: parseRupees,
            helperText: 'In rupees, e.g. 1,250.50',
          }}
          label="Reason (kept on the dispute and in the audit log)"
          field="reason"
          minLength={1}
          maxLength={2000}
          action="Refund"
          submit={resolve}
          onClose={() => setOutcome(null)}
        />
      )}
      {(outcome === 'release' || outcome === 'full_refund') && (
        <ReasonDialog
          title={OUTCOME_LABELS[outcome]}
          detail={DETAIL[outcome]}
          label="Reason (kept on the dispute and in the audit log)"
          field="reason"
          minLength={1}
          maxLength={2000}
          action={outcome === 'release' ? 'Reject' : 'Refund'}
          submit={(reason) => resolve(reason)}
          onClose={() => setOutcome(null)}
        />
      )}
    </Paper>
  );
}
