package backend

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// server must be shut down and every client's connections closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
