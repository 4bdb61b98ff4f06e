import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { components } from '../../api/schema';
import { can, type ApiRoute, type StaffRole } from '../../lib/access';
import { formatIstDateTime } from '../../lib/dates';
import { formatPaise } from '../../lib/money';
import { Facts } from '../facts';
import { TimelineTable } from '../timeline-table';

export type Order = components['schemas']['OrderDto'];
export type SubOrder = components['schemas']['SubOrderDto'];
export type SubOrderAction = 'cancel' | 'confirm-delivery';

const ACTIONS: {
  action: SubOrderAction;
  label: string;
  route: ApiRoute;
  when: SubOrder['status'][];
}[] = [
  {
    action: 'cancel',
    label: 'Cancel sub-order',
    route: 'POST /admin/orders/{orderId}/sub-orders/{subOrderId}/cancel',
    // Before it ships.
    when: ['paid', 'accepted', 'packed'],
  },
  {
    action: 'confirm-delivery',
    label: 'Confirm delivery',
    route: 'POST /admin/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery',
    when: ['shipped'],
  },
];

/** The staff actions a role may take on a sub-order in its present status (the API decides finally). */
export function subOrderActions(role: StaffRole | null, status: SubOrder['status']) {
  return ACTIONS.filter((a) => a.when.includes(status) && can(role, a.route));
}

const right = { textAlign: 'right', whiteSpace: 'nowrap' } as const;
const ist = (v: string | null | undefined) => (v ? formatIstDateTime(v) : undefined);

/** An order as staff see it: its money and payment, then each sub-order with lines, timeline and actions. */
export function OrderView({
  order,
  role,
  onAction,
}: {
  order: Order;
  role: StaffRole | null;
  onAction: (subOrder: SubOrder, action: SubOrderAction) => void;
}) {
  const a = order.shippingAddress;
  return (
    <>
      <Facts
        items={[
          ['Order', <code key="id">{order.id}</code>],
          ['Placed', ist(order.createdAt)],
          ['Channel', order.channel],
          ['Buyer', <code key="b">{order.buyerId}</code>],
          [
            'Business buyer',
            order.buyerBusinessName && `${order.buyerBusinessName} (${order.buyerGstin})`,
          ],
          ['Payment', order.paymentStatus],
          ['Paid', ist(order.paidAt)],
          ['Items', formatPaise(order.itemsPaise)],
          ['Delivery', formatPaise(order.deliveryPaise)],
          ['Payable', formatPaise(order.payablePaise)],
          ['Refunded', formatPaise(order.refundedPaise)],
          [
            'Ship to',
            `${a.name}, ${a.line1}${a.line2 ? `, ${a.line2}` : ''}, ${a.city}, ${a.state} ${a.pincode}`,
          ],
        ]}
      />
      {order.subOrders.map((s) => (
        <Paper key={s.id} variant="outlined" sx={{ p: 2, mt: 2 }} data-testid={`sub-order-${s.id}`}>
          <Typography variant="subtitle1" component="h3">
            {s.dealerName} · {s.status}
          </Typography>
          <Facts
            items={[
              ['Sub-order', <code key="id">{s.id}</code>],
              ['Dealer GSTIN', s.dealerGstin],
              ['Total', formatPaise(s.totalPaise)],
              ['Tax', formatPaise(s.taxPaise)],
              ['Refunded', formatPaise(s.refundedPaise)],
              ['Shipment', s.carrier && `${s.carrier} ${s.trackingNumber ?? ''}`],
              ['Delivered', ist(s.deliveredAt)],
              ['Return window ends', ist(s.returnWindowEndsAt)],
              ['Cancelled', s.cancelledBy && `by ${s.cancelledBy}: ${s.cancelReason ?? ''}`],
            ]}
          />
          <Table size="small" aria-label={`Lines of ${s.dealerName}'s sub-order`}>
            <TableHead>
              <TableRow>
                <TableCell>Item</TableCell>
                <TableCell>SKU</TableCell>
                <TableCell sx={right}>Qty</TableCell>
                <TableCell sx={right}>Unit price</TableCell>
                <TableCell sx={right}>GST</TableCell>
                <TableCell sx={right}>Line total</TableCell>
                <TableCell>Status</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {s.lines.map((l) => (
                <TableRow key={l.lineNo}>
                  <TableCell>
                    {l.brand} {l.name} ({l.condition})
                  </TableCell>
                  <TableCell>{l.sku}</TableCell>
                  <TableCell sx={right}>{l.quantity}</TableCell>
                  <TableCell sx={right}>{formatPaise(l.unitPricePaise)}</TableCell>
                  <TableCell sx={right}>
                    {formatPaise(l.cgstPaise + l.sgstPaise + l.igstPaise)}
                  </TableCell>
                  <TableCell sx={right}>{formatPaise(l.lineTotalPaise)}</TableCell>
                  <TableCell>{l.status}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {s.history && s.history.length > 0 && (
            <TimelineTable
              entries={s.history.map((h) => ({ ...h, by: h.actor }))}
              label={`Timeline of ${s.dealerName}'s sub-order`}
              sx={{ mt: 2 }}
            />
          )}
          <Stack direction="row" spacing={1} sx={{ mt: 2 }}>
            {subOrderActions(role, s.status).map((act) => (
              <Button key={act.action} variant="outlined" onClick={() => onAction(s, act.action)}>
                {act.label}
              </Button>
            ))}
          </Stack>
        </Paper>
      ))}
    </>
  );
}

/** The label of a sub-order action (the dialog's title and button). */
export function actionLabel(action: SubOrderAction): string {
  return ACTIONS.find((a) => a.action === action)!.label;
}
