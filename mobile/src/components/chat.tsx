import { useRouter } from 'expo-router';
import { useTranslation } from 'react-i18next';
import { Button } from './ui';

/** Opens the chat room of a repair job (`job`) or of a sub-order (`sub_order`). */
export function ChatButton({
  kind,
  subjectId,
  with: other,
}: {
  kind: 'job' | 'sub_order';
  subjectId: string;
  with: 'technician' | 'customer' | 'dealer' | 'buyer';
}) {
  const { t } = useTranslation();
  const router = useRouter();
  return (
    <Button
      kind="secondary"
      label={t(`chat.with.${other}`)}
      onPress={() => router.push(`/chat/${kind}/${subjectId}`)}
    />
  );
}
