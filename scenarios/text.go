package scenarios

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxShown bounds how much of a user's value is echoed in a message, so
// that a pasted body does not flood the terminal.
const maxShown = 60

func itoa(i int) string { return strconv.Itoa(i) }

// clip shortens s to maxShown characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxShown {
		return s
	}
	r := []rune(s)
	return string(r[:maxShown]) + "..."
}

// quote quotes a clipped s the Go way, so that invisible characters show.
func quote(s string) string { return strconv.Quote(clip(s)) }

// formatNumber prints a float the way a user would have written it.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// suggest returns the candidate closest to s when it is near enough to be
// a likely typo (edit distance <= 2, ignoring case and -/_), else "".
func suggest(s string, candidates []string) string {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "-", "_") }
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(norm(s), norm(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
// Inputs are short field names; the cost is bounded by maxShown to keep
// a pathological key from costing much.
func editDistance(a, b string) int {
	ra, rb := []rune(clip(a)), []rune(clip(b))
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
