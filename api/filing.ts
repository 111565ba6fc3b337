/**
 * What the API checks before it starts an application workflow (domain brief, step 1): the
 * program exists, the facts fit its schema, its filing window is open today (Asia/Shanghai), and
 * the facts are eligible. Nothing is started from input that fails any of these.
 */
import { evaluateAward, factProblems, filingWindowStatus, type Facts, type Program } from '../domain/catalog';
import { shanghaiDate } from '../domain/calendar';
import { Problem } from './problem';
import type { FilingBody } from './schemas';

export interface ProgramCatalog {
  /** Id of the catalog version in force; an application pins it. */
  version: string;
  getProgram(id: string): Program | undefined;
  programHash(id: string): string | undefined;
}

export interface AcceptedFiling {
  catalogVersion: string;
  program: Program;
  programHash: string;
  round: string;
  checks: Record<string, unknown>;
}

/**
 * A 400 naming each fact that does not fit the program's schema (`facts.fixedInvestment`), when
 * any does. The domain's messages start with the fact's name.
 */
function assertFactsFit(program: Program, facts: Facts, fieldPrefix: string): void {
  const problems = factProblems(program, facts);
  if (problems.length === 0) return;
  const errors = problems.map((reason) => {
    const name = reason.split(' ')[0]!;
    return { field: `${fieldPrefix}${name}`, reason: reason.slice(name.length + 1) };
  });
  throw new Problem('validation', problems.join('; '), { errors });
}

export function checkFiling(catalog: ProgramCatalog, filing: FilingBody, now: Date): AcceptedFiling {
  const program = catalog.getProgram(filing.programId);
  if (!program) {
    throw new Problem('validation', `There is no program ${filing.programId}`, {
      errors: [{ field: 'programId', reason: `is not a program in the catalog (GET /programs lists them)` }],
    });
  }
  const facts = filing.facts as Facts;
  assertFactsFit(program, facts, 'facts.');

  const today = shanghaiDate(now.getTime());
  const window = filingWindowStatus(program.filingWindow, today);
  if (!window.open) {
    throw new Problem('unprocessable', `${program.id} does not take applications on ${today}: ${window.reason}`, {
      errors: [{ field: 'programId', reason: window.reason }],
      rule: window.rule,
    });
  }

  const award = evaluateAward(program, facts);
  if (!award.eligible) {
    throw new Problem('unprocessable', `Not eligible for ${program.id}: ${award.reason ?? 'the facts do not meet the conditions'}`, {
      errors: [{ field: 'facts', reason: award.reason ?? 'the facts do not meet the program conditions' }],
      breakdown: award.breakdown,
    });
  }

  return {
    catalogVersion: catalog.version,
    program,
    programHash: catalog.programHash(program.id)!,
    round: window.round,
    checks: {
      filedOn: today,
      window: { round: window.round, lastDay: window.lastDay, rule: window.rule },
      eligibility: { eligible: true, amountByFormula: award.amount },
    },
  };
}
