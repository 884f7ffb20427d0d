// The sources' entry: what the tests of a whole process (testing/function-process) load
// through tsx, every function in one process. Cloud Run loads the built
// functions/deployed-main.cts instead, which loads one function's bundle.
// First, before anything that would fail on an older Node in a less telling way.
import '../shared/config/node-version';
import './index';
