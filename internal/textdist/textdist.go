// Package textdist measures how far apart two names are, for the "did you
// mean" hints of config keys, connector settings and sheet headers.
package textdist

import "unicode/utf8"

// Distance is the Levenshtein distance between a and b, counted in
// characters (runes), so 填报单位 and 填报日期 are two apart.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
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

// Nearest returns the candidate closest to s by edit distance when it is
// close enough to be the name that was meant (at most 2 edits, or half of
// s's characters), else "": the suggestion of a "did you mean" message.
// Characters, not bytes: a Chinese name of five characters is 15 bytes,
// and half of that would match any other department.
func Nearest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD > max(2, utf8.RuneCountInString(s)/2) {
		return ""
	}
	return best
}
