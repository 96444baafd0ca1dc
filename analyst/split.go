package analyst

import "strings"

// Split cuts text into complete statements, each ended by a ";" that is
// not inside a string, a quoted name or a comment, and returns what is
// left after the last one (a statement still being typed). Statements come
// back trimmed, without their ";"; empty ones are dropped.
func Split(text string) (stmts []string, rest string) {
	start := 0
	var quote byte // ' or " while inside one
	lineComment, blockComment := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case lineComment:
			if c == '\n' {
				lineComment = false
			}
		case blockComment:
			if c == '*' && i+1 < len(text) && text[i+1] == '/' {
				blockComment = false
				i++
			}
		case quote != 0:
			// A doubled quote inside a string is the quote itself: the
			// next byte reopens the string, which this handles naturally.
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			lineComment = true
			i++
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			blockComment = true
			i++
		case c == ';':
			if s := strings.TrimSpace(text[start:i]); s != "" && !onlyComments(s) {
				stmts = append(stmts, s)
			}
			start = i + 1
		}
	}
	return stmts, text[start:]
}

// onlyComments reports whether s holds nothing but comments and spaces.
func onlyComments(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "--") {
			return false
		}
	}
	return true
}
