/**
 * What text the engine stores. Two rules, each in one place: `characterProblem` holds for every
 * string and key of every request body (the API checks it once, where the body is parsed), and
 * `textProblem` adds, for text a person writes (names, reasons, findings, comments, text facts),
 * that it must show something.
 */

/**
 * Why a string cannot be stored, or null: control characters (NUL and the like; tab and line
 * breaks are text), a lone surrogate (not Unicode text: it cannot even be written as UTF-8), or
 * bidirectional override or isolate controls (they make a name read other than it is stored).
 */
export function characterProblem(value: string): string | null {
  const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.exec(value);
  if (control) return `must not contain control characters (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) return 'must be valid Unicode text (it holds a lone surrogate)';
  if (/[\u202A-\u202E\u2066-\u2069]/.test(value)) return 'must not contain bidirectional override or isolate characters';
  return null;
}

/**
 * Why a text a person wrote cannot be stored, or null: `characterProblem`, or no visible character
 * at all (only spaces, zero-width or direction marks).
 */
export function textProblem(value: string): string | null {
  const problem = characterProblem(value);
  if (problem) return problem;
  if (value.replace(/[\s\u200B-\u200F\u2060-\u2064\uFEFF\u00AD\u061C\u180E]/g, '') === '') return 'must contain visible characters';
  return null;
}
