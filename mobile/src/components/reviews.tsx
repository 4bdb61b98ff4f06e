import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { formatInstant } from '../lib/dates';
import { fieldError } from '../lib/problem';
import { ProblemNotice, QueryView } from './states';
import { Body, Button, Card, Field, Row } from './ui';

/** The statuses where a repair's reviews are shown (the API opens the window once confirmed). */
export const REVIEWABLE: Schemas['RepairJobDto']['status'][] = ['done', 'confirmed', 'closed'];

/** Which party is reviewing: the customer reviews the technician, the technician the customer. */
export type ReviewSide = 'customer' | 'technician';

const SIDES = {
  customer: { path: '/repairs/{repairJobId}/review', mine: 'of_technician', theirs: 'of_customer' },
  technician: {
    path: '/repairs/{repairJobId}/customer-review',
    mine: 'of_customer',
    theirs: 'of_technician',
  },
} as const;

/**
 * A completed repair's reviews for one party: mine (or the form while the window is open), and the
 * other party's once the API reveals it (both are in, or the window closed).
 */
export function Reviews({ id, side }: { id: string; side: ReviewSide }) {
  const { t, i18n } = useTranslation();
  const params = { path: { repairJobId: id } };
  const { path, mine: myDirection, theirs: theirDirection } = SIDES[side];
  const queryClient = useQueryClient();
  const reviews = useQuery({
    queryKey: ['repair', id, 'reviews'],
    queryFn: () => data(api.GET('/repairs/{repairJobId}/reviews', { params })),
  });
  const [stars, setStars] = useState(0);
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: () => data(api.POST(path, { params, body: { stars, text: text.trim() } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['repair', id, 'reviews'] }),
  });
  return (
    <QueryView query={reviews}>
      {(r) => {
        const mine = r.items.find((x) => x.direction === myDirection);
        const theirs = r.items.find((x) => x.direction === theirDirection);
        const open = r.windowClosesAt !== null && Date.parse(r.windowClosesAt) > Date.now();
        const shown = (x: Schemas['ReviewDto']) => x.text ?? t('repairs.hiddenText');
        return (
          <Card testID="reviews">
            {mine ? (
              <Body>{t('repairs.yourReview', { stars: mine.stars, text: shown(mine) })}</Body>
            ) : open ? (
              <>
                <Body tone="muted">{t(`reviews.${side}.prompt`)}</Body>
                <Row>
                  {[1, 2, 3, 4, 5].map((n) => (
                    <Button
                      key={n}
                      kind={stars >= n ? 'primary' : 'secondary'}
                      label={t('repairs.stars', { n })}
                      onPress={() => setStars(n)}
                    />
                  ))}
                </Row>
                <Field
                  label={t('repairs.reviewText')}
                  value={text}
                  onChangeText={setText}
                  multiline
                  error={fieldError(send.error, 'text')}
                />
                {send.isError ? <ProblemNotice error={send.error} /> : null}
                <Button
                  label={t('repairs.sendReview')}
                  disabled={send.isPending || stars === 0}
                  onPress={() => send.mutate()}
                />
                <Body tone="muted">
                  {t('repairs.reviewWindow', {
                    date: formatInstant(r.windowClosesAt!, i18n.language),
                  })}
                </Body>
              </>
            ) : r.windowClosesAt === null ? (
              <Body tone="muted">{t('reviews.notYet')}</Body>
            ) : null}
            {theirs ? (
              <Body>
                {t(`reviews.${side}.theirs`, { stars: theirs.stars, text: shown(theirs) })}
              </Body>
            ) : (
              <Body tone="muted">{t(`reviews.${side}.blind`)}</Body>
            )}
          </Card>
        );
      }}
    </QueryView>
  );
}
