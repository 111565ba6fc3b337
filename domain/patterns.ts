/**
 * The input rules that zod checks with code (a real date, an amount's maximum, strict text, …)
 * written once more as regular expressions, for the OpenAPI document: a schema that publishes
 * only `type: string` accepts what the server refuses. Each pattern accepts exactly what its rule
 * accepts (test/unit/contract-patterns.test.ts checks each pair on generated values), and each is
 * written so that ECMAScript (with the `u` flag) and Python's `re` (schemathesis) read it alike:
 * no `\s`, `\w` or look-arounds, explicit code point ranges instead.
 */

const MONTH_DAYS = '(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8])';
/** Years 1000-9999 divisible by 4, except centuries not divisible by 400. */
const LEAP_YEAR = '[1-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00';

/** dates.ts `dateProblem`: a real calendar date YYYY-MM-DD from the year 1000. */
export const DATE_PATTERN = `^([1-9][0-9]{3}-(${MONTH_DAYS})|(${LEAP_YEAR})-02-29)$`;

/** money.ts `yuanProblem` with body-parts.ts `MAX_YUAN` (999999999999.99): at most twelve digits before the point. */
export const BOUNDED_YUAN_PATTERN = '^(0|[1-9][0-9]{0,11})\\.[0-9]{2}$';

/** The same, greater than zero. */
export const POSITIVE_BOUNDED_YUAN_PATTERN = '^([1-9][0-9]{0,11}\\.[0-9]{2}|0\\.([1-9][0-9]|0[1-9]))$';

/** lpr.ts `ratePercentProblem`: a percent above 0 and below 100, at most four decimals. */
export const RATE_PERCENT_PATTERN = '^([1-9][0-9]?(\\.[0-9]{1,4})?|0\\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))$';

/**
 * Control characters (tab and line breaks are text), bidirectional overrides and isolates. Lone
 * surrogates are refused too, but no pattern can name them: JSON Schema validators and generators
 * (Rust's and Python's) read strings as Unicode scalar values, which have no surrogates.
 */
const NEVER_IN_TEXT = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
/** What does not show: ECMAScript white space and line terminators (what `trim` removes), zero-width and direction marks. */
const INVISIBLE =
  '\\u0009\\u000A\\u000D\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF' +
  '\\u200B-\\u200F\\u2060-\\u2064\\u00AD\\u061C\\u180E';

const TEXT_BODY = `[^${NEVER_IN_TEXT}]*[^${NEVER_IN_TEXT}${INVISIBLE}][^${NEVER_IN_TEXT}]*`;

/** text.ts `characterProblem` is null: what every string of a request must be (api/strict-input.ts checks it). */
export const CHARACTERS_PATTERN = `^[^${NEVER_IN_TEXT}]*$`;

/** text.ts `textProblem` is null: no forbidden character, and at least one visible one. */
export const TEXT_PATTERN = `^${TEXT_BODY}$`;

/** body-parts.ts `comment`: nothing but white space (the same as no comment), or text. */
export const COMMENT_PATTERN = `^([\\u0009\\u000A\\u000D\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]*|${TEXT_BODY})$`;

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';

/**
 * A document's address: http or https; a host name of letters, digits and single hyphens whose
 * last label starts with a letter (so no URL parser reads it as an address or punycode), or a
 * dotted IPv4 address; an optional port; a path, query and fragment of visible ASCII. The server
 * checks this very pattern.
 */
export const HTTP_URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://(([A-Za-z0-9]+(-[A-Za-z0-9]+)*\\.)*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*|' +
  `${OCTET}(\\.${OCTET}){3})(:[0-9]{1,4})?([/?#][!-~]*)?$`;

/**
 * Whole numbers from 0 to `max` written in decimal without leading zeros, e.g. for
 * 9007199254740991 (the largest safe integer): shorter numbers, then for each digit of `max` the
 * numbers that agree before it and are smaller there, then `max` itself.
 */
export function wholeNumberAtMostPattern(max: string): string {
  const shorter = max.length > 1 ? [`[1-9][0-9]{0,${max.length - 2}}`] : [];
  const sameLength: string[] = [];
  for (let i = 0; i < max.length; i++) {
    const digit = Number(max[i]);
    const lowest = i === 0 ? 1 : 0;
    if (digit > lowest) sameLength.push(`${max.slice(0, i)}[${lowest}-${digit - 1}]${i < max.length - 1 ? `[0-9]{${max.length - 1 - i}}` : ''}`);
  }
  return `^(0|${[...shorter, ...sameLength, max].join('|')})$`;
}
