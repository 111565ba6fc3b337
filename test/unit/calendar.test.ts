import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  UnknownCalendarYearError,
  addCalendarDays,
  calendarDaysBetween,
  calendarYearProblems,
  countWorkingDays,
  dayOfWeek,
  isCalendarDate,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  shanghaiDate,
  shanghaiStartOfDay,
  windowClosesAt,
  workingDaysFrom,
  type CalendarData,
} from '../../domain/calendar';
import { libraryYear } from '../../lib/calendar-store';

// The 2024 schedule typed by hand from the State Council notice (国办发明电〔2023〕7号), so these
// tests do not depend on the library they are meant to check the store against.
const Y2024: CalendarData = {
  '2024': {
    year: 2024,
    source: 'test',
    holidays: [
      '2024-01-01',
      '2024-02-10', '2024-02-11', '2024-02-12', '2024-02-13', '2024-02-14', '2024-02-15', '2024-02-16', '2024-02-17',
      '2024-04-04', '2024-04-05', '2024-04-06',
      '2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05',
      '2024-06-10',
      '2024-09-15', '2024-09-16', '2024-09-17',
      '2024-10-01', '2024-10-02', '2024-10-03', '2024-10-04', '2024-10-05', '2024-10-06', '2024-10-07',
    ],
    // 调休: Sundays 2/4, 2/18, 4/7, 4/28, 9/29; Saturdays 5/11, 9/14, 10/12.
    workdays: ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12'],
  },
};

describe('calendar dates', () => {
  it('recognises real dates only', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2023-02-29'), false);
    assert.equal(isCalendarDate('2024-13-01'), false);
    assert.equal(isCalendarDate('2024-1-01'), false);
    assert.equal(isCalendarDate(20240101), false);
  });

  it('adds calendar days across month, leap-day and year ends', () => {
    assert.equal(addCalendarDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addCalendarDays('2024-02-28', 2), '2024-03-01');
    assert.equal(addCalendarDays('2023-02-28', 1), '2023-03-01');
    assert.equal(addCalendarDays('2024-12-31', 1), '2025-01-01');
    assert.equal(addCalendarDays('2024-03-01', -1), '2024-02-29');
    // 60-day review from 2024-09-02: 28 days to 09-30, 31 more to 10-31, 1 more → 11-01.
    assert.equal(addCalendarDays('2024-09-02', 60), '2024-11-01');
    assert.equal(calendarDaysBetween('2024-09-02', '2024-11-01'), 60);
  });

  it('knows the day of the week without the host time zone', () => {
    assert.equal(dayOfWeek('2024-09-29'), 0); // Sunday
    assert.equal(dayOfWeek('2024-10-12'), 6); // Saturday
    assert.equal(dayOfWeek('2027-01-01'), 5); // Friday
  });

  it('converts instants to Asia/Shanghai dates (UTC+8)', () => {
    assert.equal(shanghaiDate('2024-09-30T15:59:59.999Z'), '2024-09-30');
    assert.equal(shanghaiDate('2024-09-30T16:00:00.000Z'), '2024-10-01');
    assert.equal(shanghaiDate('2024-10-01T00:30:00+08:00'), '2024-10-01');
    assert.equal(shanghaiStartOfDay('2024-10-01'), '2024-09-30T16:00:00.000Z');
  });

  it('closes a window at 24:00 Shanghai time of its last day', () => {
    assert.equal(windowClosesAt('2024-10-12'), '2024-10-12T16:00:00.000Z');
    assert.equal(windowClosesAt('2024-12-31'), '2024-12-31T16:00:00.000Z');
    assert.equal(windowClosesAt('2024-02-29'), '2024-02-29T16:00:00.000Z');
  });

  it('refuses malformed dates with a RangeError', () => {
    assert.throws(() => addCalendarDays('2024-02-30', 1), RangeError);
    assert.throws(() => isWorkingDay(Y2024, '2024/10/01'), RangeError);
  });
});

describe('working days: the 2024 National Day week', () => {
  it('takes October 1–7 off', () => {
    for (let d = 1; d <= 7; d++) assert.equal(isWorkingDay(Y2024, `2024-10-0${d}`), false, `2024-10-0${d}`);
  });

  it('works the make-up Sunday 2024-09-29 and Saturday 2024-10-12', () => {
    assert.equal(isWorkingDay(Y2024, '2024-09-29'), true);
    assert.equal(isWorkingDay(Y2024, '2024-10-12'), true);
  });

  it('keeps ordinary weekends off and weekdays on', () => {
    assert.equal(isWorkingDay(Y2024, '2024-09-28'), false); // Saturday
    assert.equal(isWorkingDay(Y2024, '2024-10-13'), false); // Sunday
    assert.equal(isWorkingDay(Y2024, '2024-09-30'), true); // Monday
    assert.equal(isWorkingDay(Y2024, '2024-10-08'), true); // Tuesday
  });

  it('counts 5 working days from Friday 2024-09-27 across the holiday', () => {
    // Fri 9/27, (Sat 9/28 off), Sun 9/29 make-up, Mon 9/30, (10/1–10/7 off), Tue 10/8, Wed 10/9.
    assert.deepEqual(workingDaysFrom(Y2024, '2024-09-27', 5), {
      days: ['2024-09-27', '2024-09-29', '2024-09-30', '2024-10-08', '2024-10-09'],
      lastDay: '2024-10-09',
    });
  });

  it('counts the start day when it is a working day: a notice from 2024-09-30', () => {
    const notice = workingDaysFrom(Y2024, '2024-09-30', 5);
    assert.deepEqual(notice.days, ['2024-09-30', '2024-10-08', '2024-10-09', '2024-10-10', '2024-10-11']);
    assert.equal(windowClosesAt(notice.lastDay), '2024-10-11T16:00:00.000Z');
  });

  it('starts on the next working day when the start is a holiday, and uses the make-up Saturday', () => {
    // From 10/1 (holiday): Tue 10/8, Wed 10/9, Thu 10/10, Fri 10/11, Sat 10/12 (make-up).
    assert.equal(workingDaysFrom(Y2024, '2024-10-01', 5).lastDay, '2024-10-12');
    assert.equal(nextWorkingDayOnOrAfter(Y2024, '2024-10-05'), '2024-10-08');
  });

  it('counts 19 working days in October 2024', () => {
    // 23 weekdays, minus 10/1–10/4 and 10/7 (5 weekday holidays), plus Saturday 10/12.
    assert.equal(countWorkingDays(Y2024, '2024-10-01', '2024-10-31'), 19);
  });

  it('refuses a count below 1', () => {
    assert.throws(() => workingDaysFrom(Y2024, '2024-10-08', 0), RangeError);
    assert.throws(() => workingDaysFrom(Y2024, '2024-10-08', 1.5), RangeError);
  });
});

describe('working days: a year nobody supplied', () => {
  it('is an explicit error naming 2027, not a guess', () => {
    assert.throws(
      () => isWorkingDay(Y2024, '2027-01-04'),
      (err: unknown) => err instanceof UnknownCalendarYearError && err.year === 2027 && /2027/.test(err.message),
    );
  });

  it('names the missing year when a count runs past the end of the known one', () => {
    // Mon 12/30 and Tue 12/31 are 2024 working days; the third day needs 2025.
    assert.throws(
      () => workingDaysFrom(Y2024, '2024-12-30', 3),
      (err: unknown) => err instanceof UnknownCalendarYearError && err.year === 2025,
    );
    assert.deepEqual(workingDaysFrom(Y2024, '2024-12-30', 2).days, ['2024-12-30', '2024-12-31']);
  });

  it('even for a weekend date, since a weekend can be a make-up working day', () => {
    assert.throws(() => isWorkingDay(Y2024, '2027-01-02'), UnknownCalendarYearError);
  });

  it('works once 2027 is supplied', () => {
    const data: CalendarData = {
      ...Y2024,
      '2027': { year: 2027, source: 'admin', holidays: ['2027-01-01'], workdays: ['2027-01-02'] },
    };
    assert.equal(isWorkingDay(data, '2027-01-01'), false); // Friday, holiday
    assert.equal(isWorkingDay(data, '2027-01-02'), true); // Saturday, make-up
    assert.equal(isWorkingDay(data, '2027-01-03'), false); // Sunday
    assert.equal(workingDaysFrom(data, '2027-01-01', 2).lastDay, '2027-01-04');
  });
});

describe('validating an admin-supplied year', () => {
  it('accepts a well-formed year', () => {
    assert.deepEqual(calendarYearProblems(2027, { holidays: ['2027-01-01'], workdays: ['2027-01-02'] }), []);
  });

  it('gives a reason for each bad entry', () => {
    const problems = calendarYearProblems(2027, {
      holidays: ['2027-02-30', '2026-12-31', '2027-01-01', '2027-01-01', '2027-01-02'],
      workdays: ['2027-01-04', '2027-01-02', 20270103],
    });
    const text = problems.join('\n');
    assert.match(text, /holidays\[0\] "2027-02-30" is not a real date/);
    assert.match(text, /holidays\[1\] 2026-12-31 is not in 2027/);
    assert.match(text, /holidays\[3\] 2027-01-01 is listed twice/);
    assert.match(text, /workdays\[0\] 2027-01-04 is not a Saturday or Sunday/);
    assert.match(text, /workdays\[2\] 20270103 is not a real date/);
    assert.match(text, /2027-01-02 is listed both as a holiday and as a working day/);
  });

  it('rejects a payload of the wrong shape, an empty year and a wrong year', () => {
    assert.match(calendarYearProblems(2027, null).join(), /payload must be an object/);
    assert.match(calendarYearProblems(2027, { holidays: '2027-01-01', workdays: [] }).join(), /holidays must be an array/);
    assert.match(calendarYearProblems(2027, { holidays: [], workdays: [] }).join(), /holidays must list the 2027 holidays/);
    assert.match(calendarYearProblems(27, { holidays: [], workdays: [] }).join(), /between 1900 and 9999/);
    assert.match(calendarYearProblems(2027, { holidays: ['2027-01-01'], workdays: [], extra: 1 }).join(), /unknown field "extra"/);
    assert.match(calendarYearProblems(2027, { year: 2026, holidays: ['2027-01-01'], workdays: [] }).join(), /does not match 2027/);
  });
});

describe('working-day counting is monotonic (property)', () => {
  // The library's 2024–2026 schedules; counts stay well inside 2026.
  const data: CalendarData = {};
  for (const y of [2024, 2025, 2026]) data[String(y)] = libraryYear(y)!;
  const start = fc.integer({ min: 0, max: 900 }).map((n) => addCalendarDays('2024-01-01', n));
  const count = fc.integer({ min: 1, max: 120 });

  it('more days never end earlier (strictly later)', () => {
    fc.assert(
      fc.property(start, count, count, (from, a, b) => {
        const [n, m] = a <= b ? [a, b] : [b, a];
        const x = workingDaysFrom(data, from, n).lastDay;
        const y = workingDaysFrom(data, from, m).lastDay;
        return n === m ? x === y : x < y;
      }),
    );
  });

  it('a later start never ends earlier', () => {
    fc.assert(
      fc.property(start, start, count, (p, q, n) => {
        const [a, b] = p <= q ? [p, q] : [q, p];
        return workingDaysFrom(data, a, n).lastDay <= workingDaysFrom(data, b, n).lastDay;
      }),
    );
  });

  it('returns exactly n increasing working days on or after the start', () => {
    fc.assert(
      fc.property(start, count, (from, n) => {
        const { days, lastDay } = workingDaysFrom(data, from, n);
        return (
          days.length === n &&
          days[0]! >= from &&
          days.every((d, i) => isWorkingDay(data, d) && (i === 0 || days[i - 1]! < d)) &&
          lastDay === days[n - 1] &&
          countWorkingDays(data, from, lastDay) === n
        );
      }),
    );
  });
});
