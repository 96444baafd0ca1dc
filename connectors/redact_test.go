package connectors

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://platform.example/api/indicators?access_token=s3cret&page=2": "https://platform.example/api/indicators",
		"https://user:pa55@platform.example:8443/api#frag":                   "https://platform.example:8443/api",
		"tcp://sensor:pa55@10.0.0.5:1883":                                    "tcp://10.0.0.5:1883",
		"10.0.0.5:1883":                                                      "10.0.0.5:1883",
		"user:pa55@10.0.0.5:1883?x=1":                                        "10.0.0.5:1883",
		"http://h/p?sig=abc":                                                 "http://h/p",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
