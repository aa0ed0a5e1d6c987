package launch

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseCredentials(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want map[string]string
		bad  bool
	}{
		"json":    {in: `{"AKID1": "k1", "AKID2": "k2"}`, want: map[string]string{"AKID1": "k1", "AKID2": "k2"}},
		"lines":   {in: "# keys\nAKID1 k1\n\nAKID2=k2\n", want: map[string]string{"AKID1": "k1", "AKID2": "k2"}},
		"garbage": {in: "AKID1\n", bad: true},
		"badjson": {in: `{"AKID1": 3}`, bad: true},
		"emptyid": {in: `{"": "k"}`, bad: true},
	} {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			err := ParseCredentials([]byte(tc.in), got)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted %q", tc.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v", got)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("got %v", got)
				}
			}
		})
	}
}

func TestSettingsOptions(t *testing.T) {
	var errOut bytes.Buffer
	noEnv := func(string) string { return "" }
	s := &Settings{Credentials: []string{"AKIDx:secret"}, Timing: "cluster=30s,node=5s", RateLimits: "off",
		RateLimitSets: []string{"tke.DescribeClusters=5"}, LogLevel: "info", LogFormat: "json"}
	opts, err := s.Options(&errOut, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Credentials["AKIDx"] != "secret" || opts.Timing.ClusterCreate != 30*time.Second || opts.Timing.NodeJoin != 5*time.Second ||
		!opts.DisableRateLimits || opts.RateLimits["tke.DescribeClusters"] != 5 {
		t.Fatalf("options %+v", opts)
	}
	for _, bad := range []*Settings{
		{Credentials: []string{"nocolon"}, Timing: "instant", RateLimits: "on", LogLevel: "info", LogFormat: "text"},
		{Credentials: []string{"a:b"}, Timing: "fast", RateLimits: "on", LogLevel: "info", LogFormat: "text"},
		{Credentials: []string{"a:b"}, Timing: "instant", RateLimits: "maybe", LogLevel: "info", LogFormat: "text"},
		{Credentials: []string{"a:b"}, Timing: "instant", RateLimits: "on", RateLimitSets: []string{"DescribeClusters=x"}, LogLevel: "info", LogFormat: "text"},
		{Credentials: []string{"a:b"}, Timing: "instant", RateLimits: "on", LogLevel: "loud", LogFormat: "text"},
		{Timing: "instant", RateLimits: "on", LogLevel: "info", LogFormat: "text"}, // no key pair anywhere
	} {
		if _, err := bad.Options(&errOut, noEnv); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	fromEnv := &Settings{Timing: "instant", RateLimits: "on", LogLevel: "info", LogFormat: "text"}
	env := map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDenv", "TENCENTCLOUD_SECRET_KEY": "env-secret"}
	if opts, err := fromEnv.Options(&errOut, func(k string) string { return env[k] }); err != nil || opts.Credentials["AKIDenv"] != "env-secret" {
		t.Errorf("key pair from the environment: %v, %v", opts.Credentials, err)
	}
	if strings.Contains(errOut.String(), "secret") {
		t.Fatal("secret key logged")
	}
}
