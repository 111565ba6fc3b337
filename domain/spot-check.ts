/**
 * The on-site inspection rule and its reproducible spot-check draw (pure, workflow-safe).
 *
 * 001 §（三）4: an application whose amount under review is 100万元 or more (达100万元以上) is
 * always inspected on site; below that, 5 % are drawn for a spot check (按5%的比例进行现场抽查).
 * The draw must be re-computable by an auditor from recorded inputs alone, so it is a hash of a
 * recorded seed and the application id — never an unrecorded random number. SHA-256 comes from
 * @noble/hashes (pure JS) because node:crypto is not available inside the Temporal workflow sandbox.
 */
import { sha256 } from '@noble/hashes/sha256';
import { Decimal, parseYuan, type Yuan } from './money';

export interface SpotCheckDraw {
  seed: string;
  applicationId: string;
  /** The exact string hashed: seed + ":" + applicationId, encoded as UTF-8. */
  input: string;
  /** SHA-256 of the UTF-8 bytes of `input`, lowercase hex. */
  sha256: string;
  /** The first 4 bytes of the digest as an unsigned big-endian integer, in decimal. */
  value: string;
  /** value / 2^32, exactly (at most 32 decimals), in [0, 1). */
  fraction: string;
  /** The spot-check rate in percent, as a decimal string ("5"). */
  ratePercent: string;
  /** fraction < ratePercent / 100. */
  selected: boolean;
}

const TWO_POW_32 = new Decimal(2).pow(32);

// Own UTF-8 encoder: keeps the draw independent of TextEncoder being present in a sandbox.
function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) {
      if (cp >= 0xd800 && cp <= 0xdfff) throw new RangeError('text contains a lone surrogate and has no UTF-8 encoding');
      out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    } else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function rateDecimal(ratePercent: string | number): Decimal {
  if (typeof ratePercent === 'number' && !Number.isFinite(ratePercent)) throw new RangeError('spot-check rate must be finite');
  if (typeof ratePercent === 'string' && !/^(0|[1-9]\d*)(\.\d+)?$/.test(ratePercent)) {
    throw new RangeError(`spot-check rate ${JSON.stringify(ratePercent)} must be a decimal number of percent, e.g. "5"`);
  }
  const rate = new Decimal(ratePercent);
  if (rate.isNegative() || rate.greaterThan(100)) throw new RangeError(`spot-check rate ${rate.toFixed()} % must be between 0 and 100`);
  return rate;
}

/** The recorded, reproducible draw for one application. */
export function spotCheckDraw(seed: string, applicationId: string, ratePercent: string | number): SpotCheckDraw {
  if (typeof seed !== 'string' || seed.length === 0) throw new RangeError('spot-check seed must be a non-empty string');
  if (typeof applicationId !== 'string' || applicationId.length === 0) throw new RangeError('application id must be a non-empty string');
  const rate = rateDecimal(ratePercent);
  const input = `${seed}:${applicationId}`;
  const digest = sha256(utf8(input));
  // Unsigned big-endian; `>>> 0` keeps it unsigned after the 32-bit shift.
  const value = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  // 1 / 2^32 = 5^32 / 10^32, so the quotient has at most 32 decimals; 40 digits of precision hold it exactly.
  const fraction = new Decimal(value).dividedBy(TWO_POW_32);
  return {
    seed,
    applicationId,
    input,
    sha256: hex(digest),
    value: String(value),
    fraction: fraction.toFixed(),
    ratePercent: rate.toFixed(),
    selected: fraction.lessThan(rate.dividedBy(100)),
  };
}

export interface InspectionThreshold {
  /** 100万元 = "1000000.00" in 001. */
  amount: Yuan;
  /** Whether an amount equal to the threshold already requires inspection (达…以上: yes). */
  inclusive: boolean;
}

export interface SpotCheckInput {
  seed: string;
  applicationId: string;
  ratePercent: string | number;
}

export type InspectionRequirement = 'mandatory' | 'spot-check-selected' | 'spot-check-not-selected';

export interface InspectionDecision {
  requirement: InspectionRequirement;
  /** Which rule decided, in words, with its source. */
  rule: { id: 'inspection-mandatory' | 'inspection-spot-check'; citation: string; text: string };
  inputs: { amount: Yuan; threshold: Yuan; inclusive: boolean; ratePercent?: string };
  /** Present when the amount is below the threshold: the recorded draw. */
  draw?: SpotCheckDraw;
}

export const INSPECTION_CITATION = '001_952e377b9ed2fef7.txt （三）申报程序 4.受理审批';

/** Whether the application under review must be inspected on site, with the rule and inputs that decided it. */
export function inspectionRequirement(
  amount: Yuan,
  threshold: InspectionThreshold,
  spotCheck: SpotCheckInput,
  citation: string = INSPECTION_CITATION,
): InspectionDecision {
  const a = parseYuan(amount);
  const t = parseYuan(threshold.amount);
  const atOrAbove = threshold.inclusive ? a.greaterThanOrEqualTo(t) : a.greaterThan(t);
  const inputs = { amount, threshold: threshold.amount, inclusive: threshold.inclusive };
  const relation = threshold.inclusive ? '≥' : '>';
  if (atOrAbove) {
    return {
      requirement: 'mandatory',
      rule: { id: 'inspection-mandatory', citation, text: `amount ${relation} ${threshold.amount}: on-site inspection is mandatory` },
      inputs,
    };
  }
  const draw = spotCheckDraw(spotCheck.seed, spotCheck.applicationId, spotCheck.ratePercent);
  return {
    requirement: draw.selected ? 'spot-check-selected' : 'spot-check-not-selected',
    rule: {
      id: 'inspection-spot-check',
      citation,
      text:
        `amount below the ${threshold.amount} threshold: ${draw.ratePercent} % spot check; ` +
        `fraction ${draw.fraction} ${draw.selected ? '<' : '≥'} ${draw.ratePercent}/100 → ${draw.selected ? 'selected' : 'not selected'}`,
    },
    inputs: { ...inputs, ratePercent: draw.ratePercent },
    draw,
  };
}
