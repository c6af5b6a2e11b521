// The dependency mechanism of the suites (suites/support/outcomes.ts) on its own: a failed test blocks what
// depends on it, a blocked test passes its root cause on, a test that did not run is named with its reason, and a
// misspelled dependency fails at once. Run outside the suites' config, outcomes stay in this worker.
import { describe, expect, it } from 'vitest';
import { blockedBy, declareTest, recordOutcome } from '../../suites/support/outcomes.ts';

describe('blocked by', () => {
  it('a failed test blocks its dependents, and a blocked one passes the root cause on', () => {
    declareTest('s1', 'installs', []);
    declareTest('s1', 'personalizes', ['installs']);
    declareTest('s1', 'signs', ['personalizes']);
    recordOutcome('s1', 'installs', 'failed');
    expect(blockedBy('s1', ['installs'])).toBe('s1 › installs');
    recordOutcome('s1', 'personalizes', 'blocked', 's1 › installs');
    expect(blockedBy('s1', ['personalizes'])).toBe('s1 › installs');
  });

  it('nothing blocks when the dependencies passed, or did not run in this run at all', () => {
    declareTest('s2', 'installs', []);
    recordOutcome('s2', 'installs', 'passed');
    expect(blockedBy('s2', ['installs'])).toBeUndefined();
    // Another suite that was not part of this run (a suite run on its own): nothing to wait for.
    expect(blockedBy('s2', ['applet-install › installs the applet and makes it selectable'])).toBeUndefined();
  });

  it('a dependency on another suite is found by `suite › title`', () => {
    recordOutcome('s3', 'installs the applet', 'failed');
    declareTest('s4', 'signs', ['s3 › installs the applet']);
    expect(blockedBy('s4', ['s3 › installs the applet'])).toBe('s3 › installs the applet');
  });

  it('a dependency that was not applicable or skipped is named with its reason', () => {
    declareTest('s5', 'uses an SSD', []);
    recordOutcome('s5', 'uses an SSD', 'not run', 'not applicable: ssd is false');
    expect(blockedBy('s5', ['uses an SSD'])).toBe('s5 › uses an SSD (which did not run: not applicable: ssd is false)');
  });

  it('a misspelled dependency in the same suite fails when the test is declared', () => {
    declareTest('s6', 'installs the applet', []);
    expect(() => declareTest('s6', 'signs', ['installs teh applet'])).toThrow('s6 › signs: dependsOn "installs teh applet" names no test declared before it in s6');
  });
});
