package backend

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Limits of simulated work, for WorkModel, WorkSpec and the query.
const (
	// MaxSleep is the longest service time a request may ask for, and the
	// cap on a drawn service time: the tails of the exponential and
	// lognormal distributions are cut there.
	MaxSleep = 60 * time.Second
	// MaxSize is the largest response body a request may ask for.
	MaxSize = 64 << 20
	// MaxCPU is the longest busy loop a WorkModel may ask for: longer
	// would pin a core for minutes per request.
	MaxCPU = 10 * time.Second
)

// Status codes simulated work may answer. 1xx codes are not final responses
// and cannot be simulated.
const (
	minStatus = 200
	maxStatus = 599
)

// WorkSpec is the simulated work of one request: wait Sleep, then answer
// Status with a body of Size bytes. It is what a WorkModel draws for a
// request, and what the query (?sleep=&size=&status=) overrides.
type WorkSpec struct {
	Sleep  time.Duration // service time, 0 to MaxSleep
	Size   int           // response body bytes, 0 to MaxSize
	Status int           // response status, 200 to 599; 0 means 200
}

// Validate reports every value of w out of range, or nil.
func (w WorkSpec) Validate() error {
	var errs []error
	if w.Sleep < 0 || w.Sleep > MaxSleep {
		errs = append(errs, fmt.Errorf("work sleep %v: want 0 to %v", w.Sleep, MaxSleep))
	}
	if w.Size < 0 || w.Size > MaxSize {
		errs = append(errs, fmt.Errorf("work size %d: want 0 to %d bytes", w.Size, MaxSize))
	}
	if w.Status != 0 && (w.Status < minStatus || w.Status > maxStatus) {
		errs = append(errs, fmt.Errorf("work status %d: want %d to %d (or 0 for 200)", w.Status, minStatus, maxStatus))
	}
	return errors.Join(errs...)
}

// Model returns the work model that always draws w: a constant service
// time, no CPU burn and no injected faults.
func (w WorkSpec) Model() WorkModel {
	return WorkModel{Service: ConstantDist(w.Sleep), Size: w.Size, Status: w.Status}
}

// withDefaults returns w with a zero Status replaced by 200.
func (w WorkSpec) withDefaults() WorkSpec {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w
}
