import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, idempotencyKey, type Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { MinimumOrder } from '../components/money';
import { ProblemNotice, QueryView } from '../components/states';
import { Button, Field, Screen, Title } from '../components/ui';
import { formatPaise } from '../lib/money';
import { OFFLINE, toProblem } from '../lib/problem';
import { cartQuery } from './Cart';

type Address = Schemas['ShippingAddressDto'];

/**
 * The delivery address and the order placed at the total the buyer saw (`expectedTotalPaise`: the
 * API refuses when the cart prices differently by then); a business buyer's billing address first.
 */
export default function Checkout() {
  const { t } = useTranslation();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { account } = useSession();
  const cart = useQuery(cartQuery);
  const billing = account?.billingAddress;
  const [address, setAddress] = useState<Address>({
    name: account?.displayName ?? '',
    phone: account?.phone ?? '',
    line1: billing?.line1 ?? '',
    city: billing?.city ?? '',
    state: billing?.state ?? 'Karnataka',
    pincode: billing?.pincode ?? '',
  });
  // One key per order attempt: kept while there is no answer (a retry after a network failure must
  // not place a second order), new once the API answered a refusal (the buyer may change the body).
  const [key, setKey] = useState(idempotencyKey);
  const set = (field: keyof Address) => (value: string) =>
    setAddress({ ...address, [field]: value });
  const place = useMutation({
    mutationFn: (expectedTotalPaise: number) =>
      data(
        api.POST('/checkout', {
          params: { header: { 'Idempotency-Key': key } },
          body: { shippingAddress: address, expectedTotalPaise },
        }),
      ),
    onError: (error) => {
      if (toProblem(error).code !== OFFLINE) setKey(idempotencyKey());
    },
    onSuccess: (order) => {
      void queryClient.invalidateQueries({ queryKey: ['cart'] });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      router.replace(`/order/${order.id}`);
    },
  });
  return (
    <Screen>
      <Title>{t('checkout.title')}</Title>
      <Field label={t('checkout.name')} value={address.name} onChangeText={set('name')} />
      <Field
        label={t('auth.phone')}
        value={address.phone}
        onChangeText={set('phone')}
        keyboardType="phone-pad"
      />
      <Field label={t('auth.line1')} value={address.line1} onChangeText={set('line1')} />
      <Field label={t('auth.city')} value={address.city} onChangeText={set('city')} />
      <Field label={t('auth.state')} value={address.state} onChangeText={set('state')} />
      <Field
        label={t('auth.pincode')}
        value={address.pincode}
        onChangeText={set('pincode')}
        keyboardType="number-pad"
      />
      <QueryView query={cart}>
        {(c) => (
          <>
            <MinimumOrder minimum={c.minimumOrder} itemsPaise={c.itemsPaise} />
            {place.isError ? <ProblemNotice error={place.error} /> : null}
            <Button
              label={t('checkout.placeOrder', { total: formatPaise(c.totalPaise) })}
              disabled={place.isPending || !c.readyForCheckout}
              onPress={() => place.mutate(c.totalPaise)}
            />
          </>
        )}
      </QueryView>
    </Screen>
  );
}
