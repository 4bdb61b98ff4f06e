import { AppProblem } from '../errors/problem.js';

/** Why an uploaded photo or video is refused after reading it in full: 422 with a stable code. */
export function mediaProblem(refusal: {
  code: 'undecodable' | 'too-many-pixels';
  detail: string;
}): AppProblem {
  return refusal.code === 'too-many-pixels'
    ? new AppProblem(422, 'media/too-many-pixels', 'Image too big', refusal.detail)
    : new AppProblem(422, 'media/undecodable', 'Not a readable file', refusal.detail);
}
