-- A target printed as a number or bound ("55", "<6", "≥90", "=68") must
-- parse to a numeric comparator: a milestone here means the parser
-- misread the government's figure.
SELECT indicator_id, year, text, comparator
FROM targets
WHERE regexp_matches(text, '^\s*[<>=≥≤＜＞]?\s*-?\d+(\.\d+)?\s*%?\s*$')
  AND (comparator NOT IN ('=', '<=', '<', '>=', '>') OR value IS NULL)
