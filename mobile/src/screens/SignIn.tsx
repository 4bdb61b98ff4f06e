import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { ProblemNotice } from '../components/states';
import { Body, Button, Field, Screen, Title } from '../components/ui';

export default function SignIn() {
  const { t } = useTranslation();
  const router = useRouter();
  const session = useSession();
  const [identifier, setIdentifier] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation({
    mutationFn: () => session.signIn(identifier.trim(), password),
    onSuccess: () => router.replace('/'),
  });
  return (
    <Screen>
      <Title>{t('auth.signIn')}</Title>
      {session.ended ? <Body tone="warning">{t('auth.ended')}</Body> : null}
      <Field
        label={t('auth.identifier')}
        value={identifier}
        onChangeText={setIdentifier}
        autoCapitalize="none"
        keyboardType="email-address"
      />
      <Field
        label={t('auth.password')}
        value={password}
        onChangeText={setPassword}
        secureTextEntry
        onSubmitEditing={() => signIn.mutate()}
      />
      {signIn.isError ? <ProblemNotice error={signIn.error} /> : null}
      <Button
        label={t('auth.signIn')}
        disabled={signIn.isPending || !identifier || !password}
        onPress={() => signIn.mutate()}
      />
      <Button
        kind="secondary"
        label={t('auth.noAccount')}
        onPress={() => router.replace('/sign-up')}
      />
    </Screen>
  );
}
