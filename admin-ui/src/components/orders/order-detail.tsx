'use client';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../api/client';
import { formatPaise } from '../../lib/money';
import { useAuth } from '../auth';
import { ReasonDialog } from '../reason-dialog';
import { QueryState } from '../states';
import { OrderPayments } from './order-payments';
import { actionLabel, OrderView, type SubOrder, type SubOrderAction } from './order-view';

/** One order opened from the list, with the staff actions on its sub-orders behind a reason. */
export function OrderDetail({ orderId, onClose }: { orderId: string; onClose: () => void }) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [acting, setActing] = useState<{ subOrder: SubOrder; action: SubOrderAction } | null>(null);
  const order = useQuery({
    queryKey: ['orders', 'detail', orderId],
    queryFn: () => data(api.GET('/admin/orders/{orderId}', { params: { path: { orderId } } })),
  });
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="order-detail-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="order-detail-title">
          Order detail
        </Typography>
        <Button onClick={onClose}>Close</Button>
      </Stack>
      <QueryState query={order} label="Loading the order">
        {(o) => (
          <OrderView
            order={o}
            role={role}
            onAction={(subOrder, action) => setActing({ subOrder, action })}
          />
        )}
      </QueryState>
      <OrderPayments orderId={orderId} />
      {acting && (
        <ReasonDialog
          title={`${actionLabel(acting.action)}: ${acting.subOrder.dealerName}, ${formatPaise(acting.subOrder.totalPaise)}`}
          detail={
            acting.action === 'cancel'
              ? 'The buyer is refunded what they paid for this sub-order.'
              : 'Delivery is recorded on the buyer’s behalf; the return window starts now.'
          }
          label="Reason (kept in the order’s history and the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action={actionLabel(acting.action)}
          submit={async (reason) => {
            const path = { orderId, subOrderId: acting.subOrder.id };
            await data(
              acting.action === 'cancel'
                ? api.POST('/admin/orders/{orderId}/sub-orders/{subOrderId}/cancel', {
                    params: { path },
                    body: { reason },
                  })
                : api.POST('/admin/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery', {
                    params: { path },
                    body: { reason },
                  }),
            );
            await queries.invalidateQueries({ queryKey: ['orders'] });
          }}
          onClose={() => setActing(null)}
        />
      )}
    </Paper>
  );
}
