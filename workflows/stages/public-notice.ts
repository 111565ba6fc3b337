/** Step 5: the public notice 公示 and its objections. */
import { effects } from '../activities';
import { ENGINE, type NoticeState } from '../../domain/application';
import { Application, deadline } from '../machinery';
import { receiveRoundNotice, reserveRoundAward } from './round-award';

/**
 * Step 5: public notice 公示 for the program's working days. Objections are received during the
 * window; payment waits until it has closed and every objection is settled. An upheld objection
 * that reduces the award publishes the reduced award again.
 */
export async function publicNotice(app: Application): Promise<boolean> {
  // Filed into a round: the award within the annual caps (and a single round's budget) first.
  if (app.state.roundTerms) await reserveRoundAward(app);
  if (app.ended()) return false;
  if (!(await publish(app))) return false;
  for (;;) {
    const notice = app.state.notice!;
    const windowOver = await app.waitFor(
      () => app.ended() || app.republishRequested,
      notice.closed ? null : deadline(notice.closesAt, `the end of the public-notice window (publication ${notice.publication})`),
    );
    if (app.ended()) return false;
    if (app.republishRequested) {
      if (!(await publish(app))) return false;
      continue;
    }
    if (!windowOver && !notice.closed) {
      notice.closed = true;
      app.record({ actor: ENGINE, action: 'notice-closed', details: { publication: notice.publication, lastDay: notice.lastDay, objections: notice.objections.length } });
      app.changed();
    }
    const open = () => app.state.notice!.objections.some((o) => o.status === 'open');
    await app.waitFor(() => app.ended() || app.republishRequested || !open());
    if (app.ended()) return false;
    if (app.republishRequested) {
      if (!(await publish(app))) return false;
      continue;
    }
    app.record({ actor: ENGINE, action: 'notice-settled', details: { publication: notice.publication, objections: notice.objections.map((o) => ({ n: o.n, status: o.status })) } });
    return true;
  }
}

async function publish(app: Application): Promise<boolean> {
  if (app.state.roundTerms?.signOff === 'batch') return publishedOnRoundList(app);
  app.republishRequested = false;
  const workingDays = app.program.notice.workingDays;
  // Full working days, starting the day after publication (民法典 第二百零一条).
  let window = workingDays === 0 ? noWindow(app) : await app.workingDays(app.tomorrow(), workingDays, 'the public-notice window');
  // Fix: waiting for a calendar year can take days, and the notice is published only now; a
  // window counted from the day after the sign-off would include days before publication.
  while (window && window.from !== app.tomorrow()) window = await app.workingDays(app.tomorrow(), workingDays, 'the public-notice window');
  if (!window) return false;
  const amount = app.state.award.approved!;
  const publishedOn = app.today();
  const { publication } = noticeAgain(app, { publishedOn, lastDay: window.lastDay, days: window.days, closesAt: window.closesAt });
  await app.effect('publishNotice', () => effects.publishNotice({
    applicationId: app.state.id,
    idempotencyKey: `${app.state.id}:notice:${publication}`,
    publication,
    programId: app.state.programId,
    applicant: app.state.applicant,
    amount,
    publishedOn,
    lastDay: window.lastDay,
    days: window.days,
  }));
  app.record({
    actor: ENGINE,
    action: 'notice-published',
    details: {
      publication,
      amount,
      publishedOn,
      lastDay: window.lastDay,
      days: window.days,
      workingDays,
      calendarSources: window.sources,
      rule: `${app.program.notice.citation.seed} ${app.program.notice.citation.section}: at least ${workingDays} working days, counted from the day after publication`,
    },
  });
  app.changed();
  return !app.ended();
}

/** A 'batch' round: the notice is the round's list; the application's window is the list's. */
async function publishedOnRoundList(app: Application): Promise<boolean> {
  const message = await receiveRoundNotice(app);
  if (!message) return false;
  const { publication } = noticeAgain(app, { publishedOn: message.publishedOn, lastDay: message.lastDay, days: message.days, closesAt: message.closesAt });
  app.record({
    actor: ENGINE,
    action: 'notice-published',
    details: {
      publication,
      amount: app.state.award.approved,
      publishedOn: message.publishedOn,
      lastDay: message.lastDay,
      days: message.days,
      round: { id: message.roundId, publication: message.publication, sha256: message.sha256 },
      rule: `${app.program.notice.citation.seed} ${app.program.notice.citation.section}: the round's one list, at least ${app.program.notice.workingDays} working days from the day after publication`,
    },
  });
  app.changed();
  return !app.ended();
}

/** The application's next publication of its award: the earlier ones kept, the objections carried on. */
function noticeAgain(app: Application, window: { publishedOn: string; lastDay: string; days: string[]; closesAt: string }): NoticeState {
  const previous = app.state.notice;
  app.state.notice = {
    publication: (previous?.publication ?? 0) + 1,
    ...window,
    amount: app.state.award.approved!,
    closed: false,
    objections: previous?.objections ?? [],
    previous: previous
      ? [...previous.previous, { publication: previous.publication, publishedOn: previous.publishedOn, lastDay: previous.lastDay, days: previous.days, amount: previous.amount }]
      : [],
  };
  return app.state.notice;
}

/**
 * No notice period: closed as it is published. Only a bench-only program has it (the catalog
 * schema requires at least 5 working days, a seed rule; scripts/bench/lifecycle.ts), so that a
 * whole lifecycle runs on a server keeping real time with the same actions and activities.
 */
function noWindow(app: Application) {
  return { ok: true as const, from: app.tomorrow(), count: 0, days: [], lastDay: app.today(), closesAt: app.now(), sources: {} };
}
