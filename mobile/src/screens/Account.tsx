import { useTranslation } from 'react-i18next';
import { areaOf, useSession } from '../auth/session';
import { NotificationSettings } from '../components/notifications';
import { Body, Button, Card, Row, Screen, Title } from '../components/ui';
import { LANGUAGES, type Language } from '../i18n';

/**
 * Who is signed in; a business buyer's GSTIN and its verification, a dealer's approval; language;
 * which notifications it gets; sign out.
 */
export default function Account() {
  const { t, i18n } = useTranslation();
  const { account, signOut } = useSession();
  if (!account) return null;
  const role = account.role as 'customer' | 'business' | 'dealer' | 'technician';
  return (
    <Screen>
      <Card>
        <Title>{account.businessName ?? account.displayName}</Title>
        <Body tone="muted">
          {areaOf(account.role) === 'unsupported' ? account.role : t(`account.role.${role}`)} ·{' '}
          {account.email ?? account.phone}
        </Body>
      </Card>
      {account.gstin ? (
        <Card testID="verification">
          <Body tone="muted">{t('account.verification')}</Body>
          <Body>{account.gstin}</Body>
          <Body tone={account.status === 'approved' ? 'ok' : 'warning'}>
            {role === 'dealer'
              ? t(`account.dealerState.${account.status}`)
              : t(`account.verificationState.${account.status}`)}
          </Body>
        </Card>
      ) : null}
      <Card>
        <Body tone="muted">{t('account.language')}</Body>
        <Row>
          {(Object.keys(LANGUAGES) as Language[]).map((lng) => (
            <Button
              key={lng}
              kind={i18n.language === lng ? 'primary' : 'secondary'}
              label={LANGUAGES[lng]}
              onPress={() => void i18n.changeLanguage(lng)}
            />
          ))}
        </Row>
      </Card>
      <NotificationSettings technician={role === 'technician'} />
      <Button kind="secondary" label={t('auth.signOut')} onPress={() => void signOut()} />
    </Screen>
  );
}
