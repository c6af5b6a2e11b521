// The test files that need pcscd's two vpcd readers, run one after another in one worker. Each holds the readers
// for as long as it runs (lab/pcsc/pcscd.sh hold, so that another clone's run waits for them), so as four files of
// their own vitest would hand them to three workers at once and leave two of the three waiting on the lock: measured,
// two of npm test's three workers idle for the first 45 s. Imported here, they hold a single worker between them
// while the other workers take everything else. vitest.config.ts keeps them out of its own list of files; to run one
// alone, give this file with -t and that file's describe, as lab/pcsc/two-runs.sh does.
import './pcsc-pcscd.test.ts';
import './pcsc-refusals.test.ts';
import '../sim/opensc.test.ts';
import '../probe/pcsc-reader.test.ts';
