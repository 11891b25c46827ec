package topology

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // "line:col: fragment", in order
	}{
		{"empty", "", []string{"1:1: empty topology"}},
		{"syntax", "name: [x\n", []string{":"}},
		{"unknown field", "name: x\nentry: a\npieces:\n  - {name: a, kind: concurrent, wokers: 2}\n", []string{"4:"}},
		{"bad kind", "name: x\nentry: a\npieces:\n  - name: a\n    kind: nginx\n", []string{"5:11: kind \"nginx\": expected one of"}},
		{"bad reference and entry", "name: x\nentry: nope\npieces:\n  - {name: a, kind: concurrent}\n  - {name: b, kind: lb, to: c}\n",
			[]string{"2:8: entry \"nope\" is not a piece", "5:29: \"c\" is not a piece"}},
		{"wrong type", "name: x\nentry: a\npieces:\n  - {name: a, kind: concurrent, workers: many}\n", []string{"4:"}},
		{"bad policy", "name: x\nentry: l\npieces:\n  - {name: a, kind: concurrent, count: 2}\n  - {name: l, kind: lb, to: a, policy: fastest}\n",
			[]string{"5:40: policy \"fastest\": expected one of"}},
		{"cache in front of many", "name: x\nentry: c\npieces:\n  - {name: a, kind: concurrent, count: 2}\n  - {name: c, kind: cache, to: a}\n",
			[]string{"5:32: a cache has one origin"}},
		{"entry with many instances", "name: x\nentry: a\npieces:\n  - {name: a, kind: concurrent, count: 3}\n", []string{"2:8: entry \"a\" has 3 instances"}},
		{"duplicate names", "name: x\nentry: a\npieces:\n  - {name: a, kind: concurrent}\n  - {name: a, kind: static}\n", []string{"5:12: duplicate piece name"}},
		{"router without routes", "name: x\nentry: r\npieces:\n  - {name: r, kind: router}\n", []string{"4:5: a router needs routes"}},
		{"route prefix", "name: x\nentry: r\npieces:\n  - {name: a, kind: concurrent}\n  - name: r\n    kind: router\n    routes: [{prefix: api, to: a}]\n",
			[]string{"7:23: prefix \"api\""}},
		{"bad auth mode and store", "name: x\nentry: a\npieces:\n  - {name: a, kind: auth, mode: oauth, store: redis}\n",
			[]string{"4:33: mode \"oauth\"", "4:47: store \"redis\""}},
		{"bad work", "name: x\nentry: a\npieces:\n  - name: a\n    kind: concurrent\n    work: {size: -5}\n", []string{"6:11: work:"}},
		{"no pieces", "name: x\nentry: a\n", []string{"no pieces"}},
		{"external without urls", "name: x\nentry: l\npieces:\n  - {name: a, kind: external}\n  - {name: l, kind: lb, to: a}\n", []string{"4:5: external: expected urls"}},
		{"external bad url", "name: x\nentry: l\npieces:\n  - {name: a, kind: external, urls: [ftp://x]}\n  - {name: l, kind: lb, to: a}\n", []string{"4:38: url \"ftp://x\""}},
		{"count on static", "name: x\nentry: a\npieces:\n  - {name: a, kind: static, count: 2}\n", []string{"2:8: entry \"a\" has 2", "4:36: count: only backends"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.file))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err %v (%T), want Errors", err, err)
			}
			if len(errs) < len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), "t.yaml:"+w) && !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want %q", i, errs[i].Error(), w)
				}
				if errs[i].Line < 1 && tc.name != "syntax" {
					t.Errorf("error %d has no position: %v", i, errs[i])
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range BuiltinNames() {
		data, _ := builtins.ReadFile("builtin/" + name + ".yaml")
		f.Add(data)
	}
	f.Add([]byte("name: x\nentry: a\npieces:\n  - {name: a, kind: lb, to: a}\n"))
	f.Add([]byte("pieces: [{routes: [{to: 1}]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := Parse("f.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not a positioned list", err, err)
			}
			return
		}
		if spec == nil || spec.Entry == "" || len(spec.Pieces) == 0 {
			t.Fatalf("valid spec without entry or pieces: %+v", spec)
		}
	})
}
