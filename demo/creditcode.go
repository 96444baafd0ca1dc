package demo

import "github.com/waymark-data/waymark/pipelines"

// creditCode gives a demo enterprise code its GB 32100-2015 check
// character: the first 17 characters of code (which must differ between
// enterprises) followed by the check character, so that the demo's codes
// pass the ingest's check.
func creditCode(code string) string { return pipelines.WithUSCCCheck(code) }
