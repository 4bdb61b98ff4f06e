import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { ChatButton } from '../components/chat';
import { DisputesOf, PART_DISPUTE_STATUSES } from '../components/disputes';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { formatPaise } from '../lib/money';

type SubOrder = Schemas['DealerSubOrderDto'];

/**
 * One sub-order and the next step the dealer takes: accept a paid one, pack it, ship it with
 * tracking; while a return or dispute of it is open, that dispute (to answer on its page).
 */
export function SubOrderCard({ sub }: { sub: SubOrder }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const path = { params: { path: { subOrderId: sub.id } } };
  const step = useMutation({
    mutationFn: (action: 'accept' | 'pack' | 'ship') =>
      action === 'ship'
        ? data(
            api.POST('/dealer/orders/{subOrderId}/ship', {
              ...path,
              body: { carrier: carrier.trim(), trackingNumber: tracking.trim() },
            }),
          )
        : data(api.POST(`/dealer/orders/{subOrderId}/${action}`, path)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['dealer-orders'] }),
  });
  return (
    <Card testID="dealer-sub-order">
      <Row>
        <Title>{t('dealer.orders.buyer', { buyer: sub.buyerName })}</Title>
        <Body testID="dealer-sub-order-status">{t(`orders.status.${sub.status}`)}</Body>
      </Row>
      {sub.lines.map((line) => (
        <Body key={line.lineNo}>
          {line.quantity} × {line.name} · {formatPaise(line.lineTotalPaise)}
        </Body>
      ))}
      <Body>
        {t('cart.total')}: {formatPaise(sub.totalPaise)}
      </Body>
      {sub.carrier ? (
        <Body tone="muted">
          {t('orders.shippedWith', { carrier: sub.carrier, tracking: sub.trackingNumber })}
        </Body>
      ) : null}
      {PART_DISPUTE_STATUSES.includes(sub.status) ? (
        <DisputesOf filter={{ orderId: sub.orderId }} subOrderId={sub.id} />
      ) : null}
      <ChatButton kind="sub_order" subjectId={sub.id} with="buyer" />
      {step.isError ? <ProblemNotice error={step.error} /> : null}
      {sub.status === 'paid' ? (
        <Button
          label={t('dealer.orders.accept')}
          disabled={step.isPending}
          onPress={() => step.mutate('accept')}
        />
      ) : null}
      {sub.status === 'accepted' ? (
        <Button
          label={t('dealer.orders.pack')}
          disabled={step.isPending}
          onPress={() => step.mutate('pack')}
        />
      ) : null}
      {sub.status === 'packed' ? (
        <>
          <Field label={t('dealer.orders.carrier')} value={carrier} onChangeText={setCarrier} />
          <Field label={t('dealer.orders.tracking')} value={tracking} onChangeText={setTracking} />
          <Button
            label={t('dealer.orders.ship')}
            disabled={step.isPending || !carrier.trim() || !tracking.trim()}
            onPress={() => step.mutate('ship')}
          />
        </>
      ) : null}
    </Card>
  );
}

/** The dealer's sub-orders, newest first. */
export default function DealerOrders() {
  const { t } = useTranslation();
  const orders = useQuery({
    queryKey: ['dealer-orders'],
    queryFn: () => data(api.GET('/dealer/orders')),
  });
  return (
    <Screen>
      <QueryView
        query={orders}
        isEmpty={(p) => p.items.length === 0}
        empty={t('dealer.orders.empty')}
      >
        {(page) => page.items.map((sub) => <SubOrderCard key={sub.id} sub={sub} />)}
      </QueryView>
    </Screen>
  );
}
