package scenarios

import (
	"reflect"
	"testing"
	"time"
)

func TestParseStages(t *testing.T) {
	tests := []struct {
		in   string
		want []Stage
	}{
		{"10s:100,30s:1000,10s:0", []Stage{{10 * time.Second, 100}, {30 * time.Second, 1000}, {10 * time.Second, 0}}},
		{" 1m30s : 2.5 , 500ms:0 ", []Stage{{90 * time.Second, 2.5}, {500 * time.Millisecond, 0}}},
		{"1h:1e3", []Stage{{time.Hour, 1000}}},
	}
	for _, tt := range tests {
		got, err := ParseStages(tt.in)
		if err != nil {
			t.Errorf("ParseStages(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseStages(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseStagesErrors(t *testing.T) {
	tests := []struct {
		in    string
		wants []string
	}{
		{"", []string{"--stages: expected stages like 10s:100,30s:1000,10s:0"}},
		{"10s", []string{`--stages: item 1 "10s": expected DURATION:TARGET like 30s:1000`}},
		{"10s:100,,5s:0", []string{`--stages: item 2 "": empty item`}},
		{"10s:100,", []string{`--stages: item 2 "": empty item`}},
		{"10:100", []string{`--stages: item 1 "10:100": duration "10" needs a unit, like 10s or 500ms`}},
		{"ten:100", []string{`--stages: item 1 "ten:100": expected a duration like 10s or 500ms, got "ten"`}},
		{"0s:100", []string{`--stages: item 1 "0s:100": duration must be > 0, got 0s`}},
		{"-1s:100", []string{"duration must be > 0, got -1s"}},
		{"1s:-5", []string{`--stages: item 1 "1s:-5": target must be >= 0, got -5`}},
		{"1s:lots", []string{`expected a target number after the colon, got "lots"`}},
		{"1s:NaN", []string{`got "NaN"`}},
		{"1s:", []string{`got ""`}},
		// Every bad item is reported, by position.
		{"1s:1,x,2s:-1,3s:3", []string{`--stages: item 2 "x"`, `--stages: item 3 "2s:-1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStages(tt.in)
			if got != nil {
				t.Errorf("got stages %v with an error", got)
			}
			var ws []want
			for _, w := range tt.wants {
				ws = append(ws, want{0, 0, w})
			}
			assertProblems(t, err, "", ws...)
		})
	}
}
