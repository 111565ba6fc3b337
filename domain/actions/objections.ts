/**
 * The action `objections`: Record a written objection received during the public notice (`POST /applications/:id/objections`).
 * Written objections are received and recorded by the office that published the notice.
 */
import type { z } from 'zod';
import type { ApplicationState, Objector } from '../application';
import { conflict, first } from './rules';
import { text, body, comment, ObjectorBody, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /objections: a written objection received during the notice window. */
export interface ObjectionRequest extends ActionRequest {
  text: string;
  objector: Objector;
}

export const ObjectionBody: z.ZodType<BodyOf<ObjectionRequest>> = body({
  text: text(10_000),
  objector: ObjectorBody,
  comment,
});

export default defineAction<ObjectionRequest>({
  path: 'objections',
  aliases: ['objection'],
  summary: 'Record a written objection received during the public notice',
  roles: ['notice-officer'],
  stages: ['public-notice'],
  body: ObjectionBody,
  refuse: (s: ApplicationState, r: ObjectionRequest, now: string) =>
    first(
      () => (!s.notice ? conflict('the notice is not published yet') : null),
      () =>
        s.notice && (s.notice.closed || now >= s.notice.closesAt)
          ? conflict(`the notice window closed at the end of ${s.notice.lastDay}; objections are received during the window only`)
          : null,
    ),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const notice = state.notice!;
    const n = notice.objections.length + 1;
    notice.objections.push({
      n,
      text: r.text,
      objector: r.objector,
      receivedAt: at(),
      recordedBy: r.actor,
      notice: notice.publication,
      status: 'open',
      resolution: null,
    });
    // The objector's identity is personal data: the audit names the objection, not the person.
    app.record({ actor: r.actor, action: 'objections', details: { n, publication: notice.publication, text: r.text, comment: withComment(r) } });
  },
  phrase: (r, after) => {
    const n = after?.notice?.objections?.length;
    return `recorded written objection${n ? ` ${n}` : ''}: ${r.text}`;
  },
});
