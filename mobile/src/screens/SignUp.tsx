import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api/client';
import { useSession, type SignUpRole } from '../auth/session';
import { ProblemNotice } from '../components/states';
import { Body, Button, Field, Row, Screen, Title } from '../components/ui';

type Address = Schemas['AddressDto'];
const ROLES: SignUpRole[] = ['customer', 'business', 'dealer'];

/** Sign-up for the three roles the app serves; business buyers and dealers give a GSTIN and an address. */
export default function SignUp() {
  const { t } = useTranslation();
  const router = useRouter();
  const session = useSession();
  const [role, setRole] = useState<SignUpRole>('customer');
  const [form, setForm] = useState({
    displayName: '',
    email: '',
    phone: '',
    password: '',
    businessName: '',
    gstin: '',
    pan: '',
    line1: '',
    city: '',
    state: 'Karnataka',
    pincode: '',
  });
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const signUp = useMutation({
    mutationFn: () => {
      const person = {
        displayName: form.displayName,
        password: form.password,
        ...(form.email ? { email: form.email.trim() } : {}),
        ...(form.phone ? { phone: form.phone.trim() } : {}),
      };
      const address = {
        line1: form.line1,
        city: form.city,
        state: form.state as Address['state'],
        pincode: form.pincode,
      };
      const business = { ...person, businessName: form.businessName, gstin: form.gstin.trim() };
      if (role === 'customer') return session.signUp({ role, body: person });
      if (role === 'business')
        return session.signUp({ role, body: { ...business, billingAddress: address } });
      return session.signUp({
        role,
        body: { ...business, pan: form.pan.trim(), pickupAddress: address },
      });
    },
    onSuccess: () => router.replace('/'),
  });
  return (
    <Screen>
      <Title>{t('auth.signUp')}</Title>
      <Body tone="muted">{t('auth.role')}</Body>
      <Row>
        {ROLES.map((r) => (
          <Button
            key={r}
            kind={r === role ? 'primary' : 'secondary'}
            label={t(`auth.roles.${r}`)}
            onPress={() => setRole(r)}
          />
        ))}
      </Row>
      <Field
        label={t('auth.displayName')}
        value={form.displayName}
        onChangeText={set('displayName')}
      />
      <Field
        label={t('auth.email')}
        value={form.email}
        onChangeText={set('email')}
        autoCapitalize="none"
        keyboardType="email-address"
      />
      <Field
        label={t('auth.phone')}
        value={form.phone}
        onChangeText={set('phone')}
        keyboardType="phone-pad"
      />
      <Field
        label={t('auth.password')}
        value={form.password}
        onChangeText={set('password')}
        secureTextEntry
      />
      {role !== 'customer' ? (
        <>
          <Field
            label={t('auth.businessName')}
            value={form.businessName}
            onChangeText={set('businessName')}
          />
          <Field
            label={t('auth.gstin')}
            value={form.gstin}
            onChangeText={set('gstin')}
            autoCapitalize="characters"
          />
          {role === 'dealer' ? (
            <Field
              label={t('auth.pan')}
              value={form.pan}
              onChangeText={set('pan')}
              autoCapitalize="characters"
            />
          ) : null}
          <Field label={t('auth.line1')} value={form.line1} onChangeText={set('line1')} />
          <Field label={t('auth.city')} value={form.city} onChangeText={set('city')} />
          <Field label={t('auth.state')} value={form.state} onChangeText={set('state')} />
          <Field
            label={t('auth.pincode')}
            value={form.pincode}
            onChangeText={set('pincode')}
            keyboardType="number-pad"
          />
        </>
      ) : null}
      {signUp.isError ? <ProblemNotice error={signUp.error} /> : null}
      <Button
        label={t('auth.signUp')}
        disabled={signUp.isPending}
        onPress={() => signUp.mutate()}
      />
      <Button
        kind="secondary"
        label={t('auth.haveAccount')}
        onPress={() => router.replace('/sign-in')}
      />
    </Screen>
  );
}
