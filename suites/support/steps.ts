// Procedure steps for the report: a lab reads a test as the steps of a procedure, each naming the command and the
// outcome the specification calls for ("VERIFY with a wrong PIN → 63C2, 2 tries left"), with what was expected
// and what the card did shown side by side (the step's parameters). Allure's own matcher steps
// (`expect({...}).toEqual(...)`) read as code, so suites/vitest.config.ts turns them off and the suites state
// their checks through these helpers; the comparison itself is still vitest's expect, so a failed step fails the
// test with the same message and diff.
import * as allure from 'allure-js-commons';
import { expect } from './expect.ts';
import { describeSw, type StatusWord } from '../../harness/apdu/status-words.ts';
import { hex } from '../../harness/bytes.ts';

/** How a value reads in the report: PIN states and bytes in words and hex, anything else as compact JSON. */
export function describeValue(v: unknown): string {
  if (v instanceof Uint8Array) return v.length === 0 ? '(no data)' : hex(v, ' ');
  if (v && typeof v === 'object' && 'verified' in v) {
    const s = v as { verified: boolean; triesLeft?: number; blocked?: boolean };
    if (s.verified) return 'verified';
    if (s.blocked) return 'not verified, blocked';
    return `not verified, ${s.triesLeft} ${s.triesLeft === 1 ? 'try' : 'tries'} left`;
  }
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

type Actual<T> = T | (() => Promise<T> | T);

async function run<T>(actual: Actual<T>): Promise<T> {
  return typeof actual === 'function' ? await (actual as () => Promise<T> | T)() : actual;
}

/**
 * One procedure step: `name` says what is done and what must come of it; `actual` is the card's answer (or a
 * function that gets it, run inside the step so its APDUs belong to it); `expected` what the specification calls
 * for. Both go on the step as parameters, and the step fails when they differ (deep equality). Returns the value.
 */
export async function expectStep<T>(name: string, actual: Actual<T>, expected: T, opts: { show?: (v: T) => string } = {}): Promise<T> {
  const show = opts.show ?? describeValue;
  return await allure.step(name, async (step) => {
    const value = await run(actual);
    await step.parameter('expected', show(expected));
    await step.parameter('actual', show(value));
    expect(value, name).toEqual(expected);
    return value;
  });
}

/** A step whose outcome is a status word: expected and actual shown with their meaning ("6982: security status not satisfied"). */
export async function expectSwStep(name: string, actual: Actual<StatusWord>, expected: StatusWord): Promise<StatusWord> {
  return await allure.step(name, async (step) => {
    const sw = await run(actual);
    await step.parameter('expected', describeSw(expected));
    await step.parameter('actual', describeSw(sw));
    expect(describeSw(sw), name).toBe(describeSw(expected));
    return sw;
  });
}

/**
 * A step whose outcome is a yes/no finding the name states ("the certificate on the card = the one personalized").
 * `detail` says what was compared, shown as the actual value when it does not hold.
 */
export async function expectTrueStep(name: string, actual: Actual<boolean>, detail?: () => string): Promise<boolean> {
  return await allure.step(name, async (step) => {
    const ok = await run(actual);
    await step.parameter('expected', 'yes');
    await step.parameter('actual', ok ? 'yes' : `no${detail ? `: ${detail()}` : ''}`);
    expect(ok, name).toBe(true);
    return ok;
  });
}
