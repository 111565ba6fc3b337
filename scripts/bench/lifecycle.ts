/**
 * The whole lifecycle through three tranches, with concurrent callers (issue 18), beside its bare
 * baseline, in interleaved rounds.
 *
 * The engine's side: an application of `dinghu-generic-drug-consistency` started with the input
 * the API gave a filing over HTTP, its identity new and its program's notice period zero (a
 * bench-only program: the catalog requires at least 5 working days, a seed rule, and a dev server
 * keeps real time). Everything after is over HTTP, as staff and systems do it: preliminary
 * record, materials, inspection, recommendation, sign-off, agreement, and for each tranche the
 * progress claim, its verification, the payment instruction the engine sends, and the finance
 * officer's confirmation. The filing itself is measured apart (the filings figure).
 *
 * The bare side: a workflow taking as many Updates as the engine's lifecycle has actions and
 * running as many activities as it schedules (counted from a lifecycle's history), driven by the
 * same number of concurrent callers.
 */
import type { Client } from '@temporalio/client';
import type { ApplicationInput } from '../../domain/application';
import { MILESTONES, type Procedure } from '../../test/helpers/procedure';
import { ledgerWorkflowId, roundWorkflowId } from '../../domain/rounds';
import { registerUpdate } from '../../workflows/round-messages';
import { type bareLifecycle, bareStep } from './bare-workflows';
import { emptyMeasure, type Measured, rotation, round } from './load';
import { startApplication } from './direct-start';
import { benchCreditCode, inputOf } from './engine-client';
import { BARE_TASK_QUEUE } from './processes';

export interface LifecycleShape {
  /** Actions over HTTP, after the start. */
  updates: number;
  /** Activities the engine scheduled for one lifecycle (markers of local activities not counted). */
  activities: number;
}

export interface LifecycleRun {
  engine: Measured;
  bare: Measured;
  shape: LifecycleShape;
}

/** The template's program with no notice period; everything else as the round pinned it. */
function withoutNoticePeriod(template: ApplicationInput): ApplicationInput['program'] {
  return { ...template.program, notice: { ...template.program.notice, workingDays: 0 } };
}

/**
 * Opens a round of the procedure's program for the lifecycles (and three more applications: the
 * template, the first lifecycle, and one for the caller), files the template over HTTP, and
 * measures the lifecycles started from its input: what the bench does wherever the engine runs.
 */
export async function measureLifecyclesInNewRound(
  options: Omit<Parameters<typeof measureLifecycles>[0], 'template' | 'creditCodeOf'>,
): Promise<LifecycleRun> {
  await options.procedure.openRound(options.rounds * options.perRound + 3);
  const template = await inputOf(options.client, await options.procedure.file(8_000_001));
  return measureLifecycles({ ...options, template, creditCodeOf: benchCreditCode });
}

async function measureLifecycles(options: {
  client: Client;
  procedure: Procedure;
  /** The input the API started a filing of the procedure's program with. */
  template: ApplicationInput;
  /** A fresh credit code for lifecycle `n`. */
  creditCodeOf: (n: number) => string;
  rounds: number;
  perRound: number;
  concurrency: number;
  say: (line: string) => void;
}): Promise<LifecycleRun> {
  const { client, procedure, template } = options;
  let serial = 0;
  const startEngine = async (): Promise<string> => {
    const n = ++serial;
    const creditCode = options.creditCodeOf(900_000 + n);
    const id = `${template.programId}.${template.round}.${creditCode}.LIFECYCLE-${n}`;
    const terms = template.roundTerms;
    const amountByFormula = (template.filingChecks?.eligibility as { amountByFormula?: string } | undefined)?.amountByFormula;
    if (!terms || !amountByFormula) throw new Error(`the template ${template.id} has no round terms or no amount by formula`);
    const applicant = { ...template.applicant, creditCode };
    const input: ApplicationInput = {
      ...template,
      id,
      applicant,
      program: withoutNoticePeriod(template),
      // Its own year's ledger, as the API gives each applicant (the annual caps are per applicant).
      roundTerms: { ...terms, ledgerId: ledgerWorkflowId(creditCode, terms.year) },
    };
    // The round takes it first, as the API does before it starts an application.
    await client.workflow.getHandle(roundWorkflowId(terms.id)).executeUpdate(registerUpdate, {
      args: [{ applicationId: id, applicant, project: template.project ?? null, amountByFormula, filedAt: new Date().toISOString() }],
    });
    await startApplication(client, input);
    await procedure.until(id, 'the preliminary record pending', (s) => s.pending.some((p: { action: string }) => p.action === 'preliminary-record'));
    return id;
  };
  const engineLifecycle = async (): Promise<string> => {
    const id = await startEngine();
    await procedure.toNotice(id);
    await procedure.agreement(id);
    for (let n = 1; n <= MILESTONES.length; n++) {
      await procedure.claim(id, n);
      await procedure.instructed(id, n);
      await procedure.confirm(id, n);
    }
    return id;
  };

  // One lifecycle first, not measured: it warms the paths and gives the shape the baseline copies.
  options.say('lifecycle: one through three tranches first, to count its actions and activities...');
  const first = await engineLifecycle();
  const events = (await client.workflow.getHandle(first).fetchHistory()).events ?? [];
  const shape: LifecycleShape = {
    updates: events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
  };
  const bareLifecycleRun = async (): Promise<void> => {
    const handle = await client.workflow.start<typeof bareLifecycle>('bareLifecycle', {
      workflowId: `bench-bare-lifecycle-${++serial}`,
      taskQueue: BARE_TASK_QUEUE,
      args: [shape],
    });
    for (let n = 1; n <= shape.updates; n++) await handle.executeUpdate(bareStep, { args: [{ n }] });
    await handle.result();
  };
  await bareLifecycleRun();

  const measured = { engine: emptyMeasure(), bare: emptyMeasure() };
  const kinds = [
    { name: 'engine' as const, run: async () => void (await engineLifecycle()) },
    { name: 'bare' as const, run: bareLifecycleRun },
  ];
  for (let r = 0; r < options.rounds; r++) {
    for (const kind of rotation(kinds, r)) {
      options.say(`lifecycle round ${r + 1} of ${options.rounds}: ${options.perRound} ${kind.name} lifecycles, ${options.concurrency} at a time...`);
      await round(measured[kind.name], options.perRound, options.concurrency, kind.run);
    }
  }
  return { ...measured, shape };
}
