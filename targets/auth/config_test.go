package auth

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the errors, in order
	}{
		{"zero", Config{}, nil},
		{"session", Config{Mode: ModeSession, Addr: ":0", ID: "a", TTL: time.Minute, Users: map[string]string{"bob": "x"}}, nil},
		{"jwt", Config{Mode: ModeJWT, Secret: testSecret}, nil},
		{"jwt short secret", Config{Mode: ModeJWT, Secret: []byte("short")}, []string{"secret: 5 bytes"}},
		{"jwt no secret", Config{Mode: ModeJWT}, []string{"secret: 0 bytes"}},
		{"bad mode", Config{Mode: "cookie"}, []string{`mode "cookie"`}},
		{"bad addr", Config{Addr: "x"}, []string{`addr "x"`}},
		{"bad id", Config{ID: "a\nb"}, []string{"id"}},
		{"short ttl", Config{TTL: time.Millisecond}, []string{"ttl 1ms"}},
		{"long ttl", Config{TTL: MaxTTL + 1}, []string{"ttl"}},
		{"negative ttl", Config{TTL: -time.Second}, []string{"ttl"}},
		{"empty users", Config{Users: map[string]string{}}, []string{"users: empty"}},
		{"empty user name", Config{Users: map[string]string{"": "x"}}, []string{"users: name"}},
		{"all", Config{Mode: ModeJWT, Addr: "x", TTL: -1}, []string{"addr", "secret", "ttl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.cfg.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("got %v, want %d errors %v", errs, len(tt.want), tt.want)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.want[i]) {
					t.Errorf("error %d: %q does not contain %q", i, err, tt.want[i])
				}
			}
		})
	}
	if _, err := Start(t.Context(), Config{Mode: "x"}); err == nil || !strings.Contains(err.Error(), "mode") {
		t.Errorf("Start with a bad config: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Addr != DefaultAddr || c.Mode != ModeSession || c.TTL != DefaultTTL || c.now == nil {
		t.Errorf("defaults: %+v", c)
	}
	if got := (Config{Addr: ":0"}).withDefaults().Addr; got != "127.0.0.1:0" {
		t.Errorf("empty host: %q", got)
	}
}

// TestReasonsComplete checks that every Reason has a counter and a
// message, so no 401 can find its counter missing.
func TestReasonsComplete(t *testing.T) {
	c := newCounters()
	if len(messages) != len(reasons) || len(c.unauth) != len(reasons) {
		t.Fatalf("%d messages, %d counters, %d reasons", len(messages), len(c.unauth), len(reasons))
	}
	for _, r := range reasons {
		if messages[r] == "" || c.unauth[r] == nil {
			t.Errorf("reason %s: message %q, counter %v", r, messages[r], c.unauth[r])
		}
	}
}
