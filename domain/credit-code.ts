/**
 * Unified social credit code 统一社会信用代码 (GB 32100-2015).
 *
 * 18 characters from a 31-character alphabet (no I, O, Z, S, V):
 *   1     registration authority code 登记管理部门代码
 *   2     entity type code 机构类别代码
 *   3-8   administrative division code 登记管理机关行政区划码 (digits)
 *   9-17  entity identifier 主体标识码 (organization code)
 *   18    check character 校验码, computed from the first 17 with the weights below.
 */

export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character for the first 17 characters of a code. */
export function creditCodeCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('a credit code body has 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError(`character ${JSON.stringify(first17[i])} is not allowed in a credit code`);
    sum += value * WEIGHTS[i]!;
  }
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CODE_ALPHABET[check]!;
}

/** Why a value is not a valid unified social credit code, or `null` when it is. */
export function creditCodeProblem(code: string): string | null {
  if (code.length !== 18) return `must have 18 characters, has ${code.length}`;
  for (let i = 0; i < 18; i++) {
    const ch = code[i]!;
    if (!CREDIT_CODE_ALPHABET.includes(ch)) {
      return `character ${i + 1} (${JSON.stringify(ch)}) is not allowed: use digits and capital letters other than I, O, Z, S, V`;
    }
  }
  if (!/^[0-9]{6}$/.test(code.slice(2, 8))) return 'characters 3-8 must be the digits of an administrative division code';
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected) {
    return `check character (GB 32100-2015) is ${JSON.stringify(code[17])} but must be ${JSON.stringify(expected)}`;
  }
  return null;
}

export function isCreditCode(code: string): boolean {
  return creditCodeProblem(code) === null;
}
