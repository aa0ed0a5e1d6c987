package fleet_test

import (
	"fmt"
	"os"
	"strings"
)

func replaceInFile(path, old, repl string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !strings.Contains(string(b), old) {
		return fmt.Errorf("%s: %q not found", path, old)
	}
	return os.WriteFile(path, []byte(strings.Replace(string(b), old, repl, 1)), 0o644)
}
