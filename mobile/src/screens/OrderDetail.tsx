import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { View } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { ChatButton } from '../components/chat';
import { DisputesOf, OpenPartDispute } from '../components/disputes';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';
import { payOrder } from '../lib/pay';

/**
 * One order: pay it while it waits for payment; each dealer's part with its status, tax invoice
 * data and timeline, confirming a shipped one arrived, and once paid its chat and its returns and
 * disputes (open one while the part qualifies).
 */
export default function OrderDetail() {
  const { t, i18n } = useTranslation();
  const { id } = useLocalSearchParams<{ id: string }>();
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => data(api.GET('/orders/{orderId}', { params: { path: { orderId: id } } })),
  });
  const queryClient = useQueryClient();
  const pay = useMutation({
    mutationFn: () => payOrder(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['order'] }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['orders'] }),
  });
  // The buyer confirms a shipped part arrived (the return window starts then).
  const received = useMutation({
    mutationFn: (subOrderId: string) =>
      data(
        api.POST('/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery', {
          params: { path: { orderId: id, subOrderId } },
        }),
      ),
    onSuccess: (updated) => queryClient.setQueryData(['order', id], updated),
  });
  return (
    <Screen>
      <QueryView query={order}>
        {(o) => (
          <>
            <Card>
              <Title>
                {t('orders.order', { date: formatInstant(o.createdAt, i18n.language) })}
              </Title>
              <Body testID="payment-status">{t(`orders.payment.${o.paymentStatus}`)}</Body>
              <Body>
                {t('cart.items')}: {formatPaise(o.itemsPaise)} · {t('cart.delivery')}:{' '}
                {formatPaise(o.deliveryPaise)}
              </Body>
              <Title>
                {t('cart.total')}: {formatPaise(o.totalPaise)}
              </Title>
              {o.buyerGstin ? (
                <Body tone="muted">{t('orders.gstin', { gstin: o.buyerGstin })}</Body>
              ) : null}
            </Card>
            {pay.isError ? <ProblemNotice error={pay.error} /> : null}
            {received.isError ? <ProblemNotice error={received.error} /> : null}
            {o.paymentStatus === 'awaiting_payment' ? (
              <Button
                label={t('orders.pay', { amount: formatPaise(o.payablePaise) })}
                disabled={pay.isPending}
                onPress={() => pay.mutate()}
              />
            ) : null}
            {o.subOrders.map((sub) => (
              <Card key={sub.id} testID="sub-order">
                <Row>
                  <Title>{sub.dealerName}</Title>
                  <Body testID="sub-order-status">{t(`orders.status.${sub.status}`)}</Body>
                </Row>
                {sub.lines.map((line) => (
                  <Body key={line.lineNo}>
                    {line.quantity} × {line.name} · {formatPaise(line.lineTotalPaise)}
                  </Body>
                ))}
                <GstDetails sub={sub} />
                {sub.carrier ? (
                  <Body tone="muted">
                    {t('orders.shippedWith', {
                      carrier: sub.carrier,
                      tracking: sub.trackingNumber,
                    })}
                  </Body>
                ) : null}
                {sub.status === 'shipped' ? (
                  <Button
                    label={t('orders.received')}
                    disabled={received.isPending}
                    onPress={() => received.mutate(sub.id)}
                  />
                ) : null}
                <Body tone="muted">{t('orders.timeline')}</Body>
                {(sub.history ?? []).map((h) => (
                  <Body key={`${h.event}-${h.at}`} tone="muted">
                    {formatInstant(h.at, i18n.language)} · {t(`orders.status.${h.toStatus}`)}
                  </Body>
                ))}
                {o.paidAt ? (
                  <>
                    <ChatButton kind="sub_order" subjectId={sub.id} with="dealer" />
                    <DisputesOf filter={{ orderId: o.id }} subOrderId={sub.id} />
                    <OpenPartDispute sub={sub} />
                  </>
                ) : null}
              </Card>
            ))}
          </>
        )}
      </QueryView>
    </Screen>
  );
}

/**
 * A part's tax invoice data: the dealer's GSTIN, the supply (intra-state: CGST + SGST; inter-state:
 * IGST), and per line its HSN code, taxable value, rate and tax.
 */
function GstDetails({ sub }: { sub: Schemas['SubOrderDto'] }) {
  const { t } = useTranslation();
  return (
    <View testID="gst-details">
      <Body tone="muted">
        {t('orders.invoice', { gstin: sub.dealerGstin })}
        {sub.supply ? ` · ${t(`orders.supply.${sub.supply}`)}` : ''}
      </Body>
      {sub.lines.map((line) => (
        <Body key={line.lineNo} tone="muted">
          {t('orders.lineTax', {
            hsn: line.hsnCode,
            taxable: formatPaise(line.taxableValuePaise),
            rate: line.gstRateBps / 100,
          })}{' '}
          ·{' '}
          {line.igstPaise > 0
            ? t('orders.igst', { igst: formatPaise(line.igstPaise) })
            : t('orders.cgstSgst', {
                cgst: formatPaise(line.cgstPaise),
                sgst: formatPaise(line.sgstPaise),
              })}
        </Body>
      ))}
      <Body tone="muted">{t('orders.tax', { tax: formatPaise(sub.taxPaise) })}</Body>
    </View>
  );
}
