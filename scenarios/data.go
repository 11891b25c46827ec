package scenarios

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

var (
	dataSection = section{where: "in data", allowed: []string{"name", "file", "select"}}
	selectModes = []string{SelectPerVU, SelectSequential, SelectRandom, SelectUnique}
)

// maxDataProblems bounds the problems reported for one data file.
const maxDataProblems = 3

// buildData reads the feeders and loads their files. Every feeder that
// has a usable name goes into sc.feeders (nil when its file failed), so
// that references to it are checked without repeating its problem.
func buildData(p *problems, d *decoder, s *spec, sc *scope) []Data {
	items, ok := d.list(s.data, "a list of data files like - {name: users, file: users.csv}")
	if !ok {
		return nil
	}
	var out []Data
	for _, item := range items {
		f, ok := d.fields(item, "data", "a data feeder (a mapping with a name and a file)", dataSection)
		if !ok {
			continue
		}
		at := nodeSrc("", item)
		feed := Data{Select: SelectSequential}
		name := d.str(f["name"], "")
		usable := false
		switch {
		case !name.given():
			p.add(at, `missing field "name" in data: the feeder's name, used as ${data.NAME.COLUMN}`)
		case !name.set:
		case !isVarPath(name.v) || strings.Contains(name.v, "."):
			p.add(name.at, "invalid name %s: a letter or _, then letters, digits, _ and - (used as ${data.NAME.COLUMN})", quote(name.v))
		default:
			if _, dup := sc.feeders[name.v]; dup {
				p.add(name.at, "duplicate data feeder %s", quote(name.v))
			} else {
				usable = true
			}
		}
		feed.Name = name.v
		if sel := d.str(f["select"], ""); sel.set {
			if slices.Contains(selectModes, sel.v) {
				feed.Select = sel.v
			} else {
				msg := "unknown selection " + quote(sel.v)
				if s := suggest(sel.v, selectModes); s != "" {
					msg += ", did you mean " + quote(s) + "?"
				}
				p.add(sel.at, "%s (use one of %s)", msg, strings.Join(selectModes, ", "))
			}
		}
		file := d.str(f["file"], "")
		loaded := false
		switch {
		case !file.given():
			p.add(at, `missing field "file" in data: a CSV file with a header row, or a JSON array of objects`)
		case !file.set:
		case strings.TrimSpace(file.v) == "":
			p.add(file.at, "must not be empty: name a CSV or JSON file, relative to the scenario file")
		default:
			feed.File = file.v
			loaded = loadData(p, s, file, &feed)
		}
		if usable {
			sc.feeders[feed.Name] = nil
			if loaded {
				c := feed
				sc.feeders[feed.Name] = &c
			}
		}
		out = append(out, feed)
	}
	return out
}

// loadData reads a feeder's file into its columns and rows, reporting
// problems at the file field.
func loadData(p *problems, s *spec, file opt[string], feed *Data) bool {
	data, err := s.readData(file.v)
	if err != nil {
		p.add(file.at, "%v", err)
		return false
	}
	cols, rows, msgs := parseData(file.v, data)
	for _, m := range msgs {
		p.add(file.at, "%s", m)
	}
	if len(msgs) > 0 {
		return false
	}
	feed.Columns, feed.Rows = cols, rows
	return true
}

// readData reads a data file named in the scenario: from the built-in
// library for a built-in scenario, else with the reader of the overrides,
// relative to the scenario file's directory.
func (s *spec) readData(file string) ([]byte, error) {
	if strings.HasPrefix(s.file, builtinPrefix) {
		if !fs.ValidPath(file) {
			return nil, fmt.Errorf("built-in scenarios name their data files by a relative path without .., got %s", quote(file))
		}
		data, err := builtinFS.ReadFile(path.Join("builtin", file))
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", quote(file), fileReason(err))
		}
		return data, nil
	}
	if s.readFile == nil {
		return nil, errors.New("data files need a reader, and none was given (scenarios.Overrides.ReadFile)")
	}
	name := filepath.FromSlash(file)
	if !filepath.IsAbs(name) {
		name = filepath.Join(filepath.Dir(s.file), name)
	}
	data, err := s.readFile(name)
	if err != nil {
		where := ""
		if name != filepath.Clean(filepath.FromSlash(file)) {
			where = " (as " + name + ": relative to the scenario file's directory)"
		}
		return nil, fmt.Errorf("cannot read %s%s: %w", quote(file), where, fileReason(err))
	}
	return data, nil
}

// fileReason is the cause of a file error, without the repeated path.
func fileReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseData reads a CSV (header row, then rows) or JSON (array of flat
// objects) data file. name, as the scenario writes it, starts messages:
// "users.csv:7: expected 2 columns, got 3".
func parseData(name string, data []byte) (cols []string, rows [][]string, msgs []string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		return nil, nil, []string{name + ": the file is UTF-16; data files must be UTF-8 text"}
	}
	if i := invalidUTF8At(data); i >= 0 {
		return nil, nil, []string{fmt.Sprintf("%s:%d: invalid UTF-8 byte 0x%02x: data files must be UTF-8 text", name, lineAt(data, i), data[i])}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil, []string{name + ": the file is empty: expected a CSV header row and rows, or a JSON array of objects"}
	}
	switch ext := strings.ToLower(path.Ext(filepath.ToSlash(name))); {
	case ext == ".json", ext != ".csv" && (trimmed[0] == '[' || trimmed[0] == '{'):
		return parseJSONData(name, data)
	}
	return parseCSVData(name, data)
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func parseCSVData(name string, data []byte) (cols []string, rows [][]string, msgs []string) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	csvErr := func(err error) string {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fmt.Sprintf("%s:%d: %v", name, pe.Line, pe.Err)
		}
		return fmt.Sprintf("%s: %v", name, err)
	}
	header, err := r.Read()
	if err != nil {
		return nil, nil, []string{csvErr(err)}
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			msgs = append(msgs, fmt.Sprintf("%s:1: column %d of the header row has no name", name, i+1))
		case seen[h]:
			msgs = append(msgs, fmt.Sprintf("%s:1: column %s appears twice in the header row", name, quote(h)))
		}
		seen[h] = true
	}
	if len(msgs) > 0 {
		return nil, nil, msgs
	}
	for len(msgs) < maxDataProblems {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			msgs = append(msgs, csvErr(err))
			break
		}
		if len(rec) != len(header) {
			line, _ := r.FieldPos(0)
			msgs = append(msgs, fmt.Sprintf("%s:%d: expected %d columns, got %d (the header row has %s)", name, line, len(header), len(rec), strings.Join(header, ", ")))
			continue
		}
		rows = append(rows, rec)
	}
	if len(msgs) > 0 {
		return nil, nil, msgs
	}
	if len(rows) == 0 {
		return nil, nil, []string{name + ": the file has a header row but no rows: nothing to feed"}
	}
	return header, rows, nil
}

// parseJSONData reads an array of flat objects that all have the keys
// of the first; values are strings, numbers (as written), true, false or
// null (the empty string).
func parseJSONData(name string, data []byte) (cols []string, rows [][]string, msgs []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	at := func() int {
		off := int(dec.InputOffset())
		for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
			off++
		}
		return lineAt(data, off)
	}
	jsonErr := func(err error) []string {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return []string{fmt.Sprintf("%s:%d: invalid JSON: %v", name, lineAt(data, int(se.Offset)), err)}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return []string{fmt.Sprintf("%s:%d: invalid JSON: unexpected end of the file", name, lineAt(data, len(data)))}
		}
		return []string{fmt.Sprintf("%s: invalid JSON: %v", name, err)}
	}
	const want = `expected a JSON array of objects like [{"name": "a"}]`
	line := at()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, jsonErr(err)
	}
	if tok != json.Delim('[') {
		return nil, nil, []string{fmt.Sprintf("%s:%d: %s, got %s", name, line, want, jsonKind(tok))}
	}
	for i := 1; dec.More() && len(msgs) < maxDataProblems; i++ {
		line := at()
		row, keys, msg, err := jsonRow(dec)
		if err != nil {
			return nil, nil, jsonErr(err)
		}
		if msg != "" {
			return nil, nil, append(msgs, fmt.Sprintf("%s:%d: object %d: %s", name, line, i, msg))
		}
		if cols == nil {
			cols = keys
		}
		if m := sameKeys(cols, keys); m != "" {
			msgs = append(msgs, fmt.Sprintf("%s:%d: object %d: %s", name, line, i, m))
			continue
		}
		out := make([]string, len(cols))
		for j, c := range cols {
			out[j] = row[c]
		}
		rows = append(rows, out)
	}
	if len(msgs) > 0 {
		return nil, nil, msgs
	}
	if _, err := dec.Token(); err != nil { // ]
		return nil, nil, jsonErr(err)
	}
	if line := at(); dec.More() {
		return nil, nil, []string{fmt.Sprintf("%s:%d: unexpected data after the array", name, line)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, nil, jsonErr(err)
		}
		return nil, nil, []string{fmt.Sprintf("%s:%d: unexpected data after the array", name, at())}
	}
	if len(rows) == 0 {
		return nil, nil, []string{name + ": the array is empty: nothing to feed"}
	}
	if len(cols) == 0 {
		return nil, nil, []string{name + ": the objects have no keys: nothing to feed"}
	}
	return cols, rows, nil
}

// jsonRow reads one object of a JSON data file: its values by key, and
// its keys in order. msg says why the value is not a flat object.
func jsonRow(dec *json.Decoder) (row map[string]string, keys []string, msg string, err error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, "", err
	}
	if tok != json.Delim('{') {
		return nil, nil, "expected an object, got " + jsonKind(tok), nil
	}
	row = map[string]string{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, nil, "", err
		}
		k, _ := kt.(string)
		vt, err := dec.Token()
		if err != nil {
			return nil, nil, "", err
		}
		var v string
		switch x := vt.(type) {
		case string:
			v = x
		case json.Number:
			v = x.String()
		case bool:
			v = fmt.Sprint(x)
		case nil:
		default:
			return nil, nil, "key " + quote(k) + ": expected a string, number, true, false or null, got " + jsonKind(vt) + " (rows are flat)", nil
		}
		if _, dup := row[k]; dup {
			return nil, nil, "key " + quote(k) + " appears twice", nil
		}
		row[k] = v
		keys = append(keys, k)
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, nil, "", err
	}
	return row, keys, "", nil
}

// sameKeys says how keys differ from cols (the first object's), or "".
func sameKeys(cols, keys []string) string {
	for _, c := range cols {
		if !slices.Contains(keys, c) {
			return "no key " + quote(c) + " (every object needs the keys of the first: " + strings.Join(cols, ", ") + ")"
		}
	}
	for _, k := range keys {
		if !slices.Contains(cols, k) {
			return "key " + quote(k) + " is not in the first object (" + strings.Join(cols, ", ") + ")"
		}
	}
	return ""
}

// jsonKind names a JSON token for messages.
func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "something else"
}
