package pipelines

import (
	"fmt"
	"regexp"
	"strings"
)

// The unified social credit code (统一社会信用代码, GB 32100-2015) is 18
// characters from a 31-character alphabet (digits and capitals without
// I, O, S, V and Z); the 18th is a check character over the first 17.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i) mod 31 for positions 1..17, as the standard lists them.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheck returns the check character GB 32100-2015 gives for the first
// 17 characters of code, and false when those are not 17 characters of
// the code alphabet.
func USCCCheck(code string) (byte, bool) {
	if len(code) < 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, code[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], true
}

// WithUSCCCheck returns the first 17 characters of code followed by their
// check character: a valid code for demo data and tests.
func WithUSCCCheck(code string) string {
	c, ok := USCCCheck(code)
	if !ok {
		return code
	}
	return code[:17] + string(c)
}

var (
	// reSciNumber is a number in scientific notation: what a spreadsheet
	// stores for a long digit string typed into a number cell.
	reSciNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$`)
	// reFloatCode is an integer written as a float: 1001.0.
	reFloatCode = regexp.MustCompile(`^[0-9]+\.0+$`)
	// reLostDigits is a long digit string whose tail beyond Excel's 15
	// significant digits is zeros: 911506278890758000.
	reLostDigits = regexp.MustCompile(`^[0-9]{15}0+$`)
)

// numberLike reports whether s is made only of what a number is written
// with: only then can it be a code that a spreadsheet stored as a number.
func numberLike(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return s != ""
}

// checkCode rejects what cannot be an identifier as the person typed it.
func checkCode(col ColumnSpec, s string) error {
	if !numberLike(s) {
		return nil
	}
	switch {
	case reSciNumber.MatchString(s):
		return because(fmt.Sprintf("%s is a number in scientific notation, not the code as typed: the cell was stored as a number and lost its last digits; store it as text", s),
			fmt.Sprintf("“%s”是科学计数法的数字，不是原样的代码：该单元格按数字保存，末几位已丢失，请将该列设为文本格式后重新填写", s))
	case reFloatCode.MatchString(s):
		return because(fmt.Sprintf("%s looks like a code stored as a number (with a decimal point); store it as text", s),
			fmt.Sprintf("“%s”像是按数字保存的代码（带小数点），请将该列设为文本格式后重新填写", s))
	case col.Kind == "credit_code" && reLostDigits.MatchString(s):
		return because(fmt.Sprintf("%s looks like a credit code stored as a number: a spreadsheet keeps 15 significant digits and the rest became zeros; store it as text", s),
			fmt.Sprintf("“%s”像是按数字保存的统一社会信用代码：表格只保留15位有效数字，其余各位已变为0，请将该列设为文本格式后重新填写", s))
	}
	return nil
}

// checkCreditCode checks a code that matched the column's pattern against
// GB 32100-2015: length, alphabet and the check character.
func checkCreditCode(s string) error {
	if len(s) != 18 {
		return because(fmt.Sprintf("a unified social credit code has 18 characters; %s has %d", s, len([]rune(s))),
			fmt.Sprintf("统一社会信用代码应为18位，“%s”为%d位", s, len([]rune(s))))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccAlphabet, s[i]) < 0 {
			return because(fmt.Sprintf("character %d of %s (%q) is not used in credit codes (digits and capitals except I, O, S, V, Z)", i+1, s, s[i:i+1]),
				fmt.Sprintf("“%s”第%d位“%s”不是统一社会信用代码可用的字符（数字及除I、O、S、V、Z外的大写字母）", s, i+1, s[i:i+1]))
		}
	}
	want, _ := USCCCheck(s)
	if s[17] != want {
		return because(fmt.Sprintf("%s fails the GB 32100-2015 check: its last character is %c but the first 17 give %c; a character is mistyped", s, s[17], want),
			fmt.Sprintf("“%s”未通过GB 32100-2015校验：最后一位为“%c”，按前17位计算应为“%c”，请核对是否有字符录入错误", s, s[17], want))
	}
	return nil
}
