/**
 * `npm run demo`: the main scenarios of a subsidy's life on Temporal's time-skipping test server,
 * each printed as a timeline from its audit trail (date, stage, actor, action, amounts), with the
 * clawback statement where there is one. Five years pass in seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { ApplicationState, AuditEntry } from '../domain/application';
import { shanghaiDate } from '../domain/calendar';
import { ILLUSTRATIVE_CALENDAR_LABEL } from './illustrative-calendar';
import { createRunner, SCENARIOS, type ScenarioOutcome } from './scenarios';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'subsidy-demo-'));
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out('Subsidy approval engine: the life of an application, on Temporal\'s time-skipping test server');
  out(`Data folder (outbox, calendar; removed at the end): ${dataDir}`);
  const runner = await createRunner(dataDir);
  const { years } = runner;
  if (years.note) out(years.note);
  out(`Calendar: the library covers years up to 2026; for ${years.run.from}–${years.run.to} the demo supplies, as an admin`);
  out(`  would (PUT /calendar/years/<year>), an ${ILLUSTRATIVE_CALENDAR_LABEL}.`);
  out('LPR: the shipped fixings (data/lpr.csv) end in 2025; later days use the last fixing, carried forward and flagged.');
  out('Dates are Asia/Shanghai; amounts are yuan.');
  const { outbox } = runner;
  try {
    for (const scenario of SCENARIOS) {
      const t0 = Date.now();
      await runner.run(scenario, async (o) => {
        out();
        printScenario(o, out);
        const effects = await outbox.read({ applicationId: o.workflowId });
        const counts = new Map<string, number>();
        for (const m of effects) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
        out(`   External effects sent (outbox): ${[...counts].map(([t, n]) => `${t} ×${n}`).join(', ')}`);
        out(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  out();
  out(`${SCENARIOS.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

function printScenario(o: ScenarioOutcome, out: (line?: string) => void): void {
  const s = o.final;
  out(`━━ ${o.scenario.title}: ${o.scenario.summary}`);
  out(`   ${s.id}  ${s.applicant.name}  →  ${s.stage}${s.outcome ? `: ${s.outcome.reason}` : ''}`);
  out(`   ${o.runIds.length} workflow run(s)${o.runIds.length > 1 ? ' (continued as new, state and audit trail carried over)' : ''}`);
  out();
  const rows: string[][] = [['date', 'stage', 'actor', 'action', 'amounts and facts']];
  let stage = '';
  for (const e of s.audit) {
    const moved = e.to && e.to !== (e.from ?? stage);
    const stageCol = moved ? `${e.from ?? '·'} → ${e.to}` : stage;
    if (e.to) stage = e.to;
    const who = e.actor.role === 'engine' ? 'engine' : `${e.actor.role} (${e.actor.name})`;
    const facts = factsOf(e, s);
    rows.push([shanghaiDate(Date.parse(e.at)), stageCol, who, e.action, [facts, e.comment ? `"${e.comment}"` : ''].filter(Boolean).join('  ')]);
  }
  for (const line of table(rows)) out(`   ${line}`);
  // The clawback writes its credit record without an audit entry of its own: list them from the state.
  for (const r of s.creditRecords) out(`   credit record (信用管理) ${shanghaiDate(Date.parse(r.at))}: ${r.reason} (key ${r.idempotencyKey})`);
  if (s.clawback) printStatement(s, out);
}

function printStatement(s: ApplicationState, out: (line?: string) => void): void {
  const c = s.clawback!;
  out();
  out(`   Clawback statement: decided ${c.decisionDate} by ${c.decidedBy.name} (${c.decidedBy.role}); ${c.rateMode}, ${c.dayCount}, ${c.tenor} LPR; as of ${c.asOf}`);
  out(`   LPR confirmed through ${c.lprConfirmedThrough}${c.carriedForward ? '; later days carry the last fixing forward (flagged c/f)' : ''}`);
  const rows: string[][] = [['tranche', 'from', 'to (excl.)', 'days', 'principal', 'rate', 'fixing', 'c/f', 'interest']];
  for (const l of c.lines) {
    rows.push([String(l.tranche), l.from, l.to, String(l.days), yuan(l.principal), `${l.ratePercent} %`, l.fixingDate, l.carriedForward ? 'yes' : 'no', yuan(l.interest)]);
  }
  for (const line of table(rows, [0, 3, 4, 8])) out(`     ${line}`);
  out(`   principal ${yuan(c.principal)} + interest ${yuan(c.interest)} + costs ${yuan(c.costs)} = ${yuan(c.total)}; repaid ${yuan(c.repaid)}; outstanding ${yuan(c.outstanding)}`);
  if (c.lastDay) out(`   repayment due by the end of ${c.lastDay} (${c.dueInWorkingDays} working days after the decision)${c.overdueSince ? `; overdue since ${shanghaiDate(Date.parse(c.overdueSince))}` : ''}${c.referredAt ? `; referred to enforcement ${shanghaiDate(Date.parse(c.referredAt))}` : ''}`);
  for (const r of c.repayments) {
    out(`   repayment ${r.paidOn} ${yuan(r.amount)} → costs ${yuan(r.toCosts)}, interest ${yuan(r.toInterest)}, principal ${yuan(r.toPrincipal)}${r.recordedBy ? ` (recorded by ${r.recordedBy.name}, ${r.recordedBy.role})` : ''}`);
  }
}

/** The amounts and the few facts an auditor reads off each kind of entry. */
function factsOf(e: AuditEntry, s: ApplicationState): string {
  const d = (e.details ?? {}) as Record<string, any>;
  const parts: string[] = [];
  switch (e.action) {
    case 'filing':
      parts.push(`facts ${Object.entries(d.facts ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
      break;
    case 'dishonesty-check':
      parts.push(d.listed ? 'on the serious-dishonesty list' : 'not on the serious-dishonesty list');
      break;
    case 'award-assessed':
      parts.push(`formula gives ${yuan(d.amountByFormula)}`);
      break;
    case 'inspection-decided':
      parts.push(`${d.requirement}: ${d.rule?.text ?? ''} (${d.rule?.citation ?? ''})`);
      break;
    case 'deadline':
      parts.push(`${d.for} due by the end of ${d.lastDay} (${d.workingDays} working days)`);
      break;
    case 'notice-published':
      parts.push(`${yuan(d.amount)}, ${d.publishedOn} – ${d.lastDay} (${d.workingDays} working days; calendar ${Object.entries(d.calendarSources ?? {}).map(([y, src]) => `${y}: ${src}`).join(', ')})`);
      break;
    case 'schedule-fixed':
      parts.push(`${yuan(d.approved)} in ${(d.tranches as any[]).map((t) => `${t.n}. ${t.milestone} ${yuan(t.amount)}`).join(', ')}`);
      break;
    case 'progress':
      parts.push(`tranche ${d.tranche} (${d.milestone}) claimed${d.cumulativeInvestment ? `, ${yuan(d.cumulativeInvestment)} invested so far` : ''}, with ${(d.evidence as any[]).map((x) => x.name).join(', ')}`);
      break;
    case 'verification':
      parts.push(`tranche ${d.tranche} ${d.accepted ? 'verified' : 'not accepted'}`);
      break;
    case 'payment-instructed':
      parts.push(`tranche ${d.tranche} ${yuan(d.amount)} to the treasury (budget: ${yuan(d.budgetCheck?.remainingBefore)} of ${yuan(d.budgetCheck?.approved)} left)`);
      break;
    case 'confirmation':
      parts.push(`tranche ${d.tranche} ${yuan(d.amount)} paid on ${d.paidOn}, ref ${d.treasuryReference}`);
      break;
    case 'monitoring-started':
      parts.push((d.obligations as any[]).map((o) => `${o.id} ${o.startsOn} – ${o.endsOn}`).join(', '));
      break;
    case 'breach-report':
      parts.push(`report ${d.report} on ${d.obligation}: ${d.findings}`);
      break;
    case 'fraud-report':
      parts.push(`report ${d.report}: ${d.findings}`);
      break;
    case 'clawback-decision':
      if (d.decision === 'recover') parts.push(`recover, decided ${d.decisionDate}, ${d.dueInWorkingDays} working days to repay${d.referToJudiciary ? ', referred to the judiciary' : ''}`);
      else parts.push(String(d.decision));
      break;
    case 'repayments':
      parts.push(`${yuan(d.amount)} paid ${d.paidOn}`);
      if (d.applied) parts.push(`→ interest ${yuan(d.applied.toInterest)}, principal ${yuan(d.applied.toPrincipal)}${d.applied.toCosts !== '0.00' ? `, costs ${yuan(d.applied.toCosts)}` : ''}`);
      parts.push(`outstanding ${yuan(d.outstanding)}`);
      break;
    case 'repayment-overdue':
      parts.push(`due by ${d.lastDay}; ${yuan(d.outstanding)} outstanding`);
      break;
    case 'referred':
      parts.push(`${yuan(d.outstanding)} outstanding`);
      break;
    case 'clawback-settled':
      parts.push(`principal ${yuan(d.principal)} + interest ${yuan(d.interest)}; repaid ${yuan(d.repaid)} in ${d.repayments} payment(s)`);
      break;
    case 'continue-as-new':
      parts.push(`history at ${d.historyLength} events; run ${d.nextRun} follows`);
      break;
    case 'continued-as-new':
      parts.push(`run ${d.run}, at ${d.stage}`);
      break;
    default:
      if (typeof d.amount === 'string') parts.push(yuan(d.amount));
      if (d.decision && e.action !== 'preliminary-record') parts.push(String(d.decision));
  }
  if (e.action === 'recommendation' && d.amountByFormula) parts.push(`(formula ${yuan(d.amountByFormula)})`);
  if (e.action === 'fraud-report' && s.creditRecords.length && e.to === 'rejected') parts.push('credit record written');
  return parts.filter(Boolean).join(' ');
}

/** "1234567.80" → "¥1,234,567.80". */
function yuan(v: unknown): string {
  if (typeof v !== 'string') return '?';
  const [int, dec] = v.split('.');
  return `¥${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${dec ? `.${dec}` : ''}`;
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

/** Columns padded to their widest cell (the last column is left as is); `right` columns right-aligned. */
function table(rows: string[][], right: number[] = []): string[] {
  const cols = rows[0]!.length;
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        if (i === cols - 1 && !right.includes(i)) return cell;
        const pad = ' '.repeat(widths[i]! - width(cell));
        return right.includes(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
