package emulator_test

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests, then checks every response any of them received against the
// SDK (contractProblems), and, when the whole package ran, that every emulated action
// answered successfully at least once: a new module's actions are covered by the tests
// written for them.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code != 0 || len(allCalls.snapshot()) == 0 {
		os.Exit(code)
	}
	docs, err := parseSDKDocs()
	if err != nil {
		fmt.Fprintf(os.Stderr, "read the SDK's documentation: %v\n", err)
		os.Exit(1)
	}
	whole := flag.Lookup("test.run").Value.String() == "" && !testing.Short()
	if problems := contractProblems(docs, allCalls.snapshot(), whole); len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "FAIL: responses of the package's tests that contradict the SDK model:")
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "  "+p)
		}
		os.Exit(1)
	}
	os.Exit(code)
}
