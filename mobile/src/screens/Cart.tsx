import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useTranslation } from 'react-i18next';
import { api, data } from '../api/client';
import { MinimumOrder } from '../components/money';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Row, Screen, Title } from '../components/ui';
import { formatPaise } from '../lib/money';

export const cartQuery = { queryKey: ['cart'], queryFn: () => data(api.GET('/cart')) };

/** The cart as the API prices it: one group per dealer, the minimum order, and checkout once ready. */
export default function Cart() {
  const { t } = useTranslation();
  const router = useRouter();
  const queryClient = useQueryClient();
  const cart = useQuery(cartQuery);
  const change = useMutation({
    mutationFn: ({ listingId, quantity }: { listingId: string; quantity: number }) => {
      const path = { params: { path: { listingId } } };
      return data(
        quantity > 0
          ? api.PUT('/cart/items/{listingId}', { ...path, body: { quantity } })
          : api.DELETE('/cart/items/{listingId}', path),
      );
    },
    onSuccess: (next) => queryClient.setQueryData(['cart'], next),
  });
  return (
    <Screen>
      <QueryView query={cart} isEmpty={(c) => c.groups.length === 0} empty={t('cart.empty')}>
        {(c) => (
          <>
            {c.groups.map((group) => (
              <Card key={group.dealerId} testID="cart-group">
                <Title>{t('cart.group', { dealer: group.dealerName })}</Title>
                {group.lines.map((line) => (
                  <Card key={line.listingId}>
                    <Body>
                      {line.quantity} × {line.name}
                    </Body>
                    <Row>
                      <Body tone="muted">
                        {t('cart.each', { price: formatPaise(line.unitPricePaise) })}
                      </Body>
                      <Body>{formatPaise(line.lineTotalPaise)}</Body>
                    </Row>
                    {line.problems.map((p) => (
                      <Body key={p.code} tone="danger">
                        {p.detail}
                      </Body>
                    ))}
                    <Row>
                      <Button
                        kind="secondary"
                        label={t('cart.oneMore', { name: line.name })}
                        disabled={change.isPending}
                        onPress={() =>
                          change.mutate({ listingId: line.listingId, quantity: line.quantity + 1 })
                        }
                      />
                      <Button
                        kind="secondary"
                        label={t('cart.oneLess', { name: line.name })}
                        disabled={change.isPending}
                        onPress={() =>
                          change.mutate({ listingId: line.listingId, quantity: line.quantity - 1 })
                        }
                      />
                    </Row>
                  </Card>
                ))}
                <Body tone="muted">
                  {t('cart.delivery')}:{' '}
                  {group.deliveryPaise === 0 ? t('cart.free') : formatPaise(group.deliveryPaise)}
                </Body>
              </Card>
            ))}
            <Card>
              <Body>
                {t('cart.items')}: {formatPaise(c.itemsPaise)}
              </Body>
              <Body>
                {t('cart.delivery')}: {formatPaise(c.deliveryPaise)}
              </Body>
              <Title>
                {t('cart.total')}: {formatPaise(c.totalPaise)}
              </Title>
            </Card>
            <MinimumOrder minimum={c.minimumOrder} itemsPaise={c.itemsPaise} />
            {change.isError ? <ProblemNotice error={change.error} /> : null}
            <Button
              label={t('cart.checkout')}
              disabled={!c.readyForCheckout}
              onPress={() => router.push('/checkout')}
            />
          </>
        )}
      </QueryView>
    </Screen>
  );
}
