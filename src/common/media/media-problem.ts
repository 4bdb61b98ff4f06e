import { AppProblem } from '../errors/problem.js';

/** Why an uploaded photo, video or PDF is refused after reading it in full: 422 with a stable code. */
export function mediaProblem(
  refusal:
    | { code: 'undecodable' | 'too-many-pixels' | 'pdf-encrypted'; detail: string }
    | { code: 'pdf-active-content'; detail: string; found: string[] },
): AppProblem {
  switch (refusal.code) {
    case 'too-many-pixels':
      return new AppProblem(422, 'media/too-many-pixels', 'Image too big', refusal.detail);
    case 'pdf-encrypted':
      return new AppProblem(422, 'media/pdf-encrypted', 'Encrypted PDF', refusal.detail);
    case 'pdf-active-content':
      return new AppProblem(
        422,
        'media/pdf-active-content',
        'PDF with active content',
        refusal.detail,
        {
          found: refusal.found,
        },
      );
    case 'undecodable':
      return new AppProblem(422, 'media/undecodable', 'Not a readable file', refusal.detail);
  }
}
