// Which errors mean "the card's answer is wrong" and which mean "the harness or the lab could not run the test".
// A lab reads the first as a finding about the card (the test failed) and the second as a problem to fix on the
// bench (the test is broken). allure-vitest decides with allure-js-commons' getStatusFromError: an error that
// carries `expected` and `actual` is an assertion failure (failed), any other error is broken. So every error
// about the card's answer (a refused command, a malformed answer, a broken transmission protocol) extends
// CardFault, and says what the harness accepted and what the card gave; errors of the transport (card gone,
// timeout), the simulator, the profile or the harness itself stay plain errors and are reported as broken.

export class CardFault extends Error {
  /** What the harness accepted, e.g. "9000" or "a DER certificate". */
  readonly expected: string;
  /** What the card gave, e.g. "6A84". */
  readonly actual: string;
  /** The message already says both; vitest would otherwise print them again as a diff. */
  readonly showDiff = false;

  constructor(message: string, expected: string, actual: string) {
    super(message);
    // "CardError: INSTALL ... answered 6A84" in the runner's output, rather than a bare "Error:".
    this.name = new.target.name;
    this.expected = expected;
    this.actual = actual;
  }
}
