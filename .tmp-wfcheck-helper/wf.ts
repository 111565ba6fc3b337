import { spotCheckDraw } from '../domain/spot-check';
import { workingDaysFrom, type CalendarData } from '../domain/calendar';
import { evaluateAward, type Program } from '../domain/catalog';
export async function check(data: CalendarData, program: Program): Promise<unknown> {
  return { draw: spotCheckDraw('s', 'a', '5'), wd: workingDaysFrom(data, '2024-09-27', 5), award: evaluateAward(program, { fixedInvestment: '5000000000.00' }).amount };
}
