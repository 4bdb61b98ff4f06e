import { Redirect } from 'expo-router';
import { ActivityIndicator } from 'react-native';
import { useTranslation } from 'react-i18next';
import { areaOf, useSession } from '../auth/session';
import { Body, Button, Screen } from '../components/ui';

/** Where an account lands after sign-in: buyers on search, dealers on their listings, technicians on their work. */
export default function Index() {
  const { t } = useTranslation();
  const { status, account, signOut } = useSession();
  if (status === 'starting') return <ActivityIndicator accessibilityLabel={t('common.loading')} />;
  if (!account) return <Redirect href="/sign-in" />;
  const area = areaOf(account.role);
  if (area === 'buyer') return <Redirect href="/search" />;
  if (area === 'dealer') return <Redirect href="/dealer/listings" />;
  if (area === 'technician') return <Redirect href="/technician/work" />;
  return (
    <Screen>
      <Body>{t('auth.unsupported')}</Body>
      <Button label={t('auth.signOut')} onPress={() => void signOut()} />
    </Screen>
  );
}
