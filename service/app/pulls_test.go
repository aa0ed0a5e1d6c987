package app

import (
	"strings"
	"testing"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/service/config"
)

func TestCombineOneSectionPerShardAndOneFooter(t *testing.T) {
	shards := []*shard{
		{cfg: config.Shard{Name: "dev", Path: "dev", Owner: "acme-dev"}},
		{cfg: config.Shard{Name: "staging", Path: "staging", Owner: "acme-staging"}},
		{cfg: config.Shard{Name: "prod", Path: "prod", Owner: "acme-prod"}},
	}
	section := func(what string) string {
		return forge.PlanMarker + "\n### tkeops plan for `abc`\n\n**" + what + "**\n\n---\nCommands (write access): …\n"
	}
	body := combine(shards, []string{section("1 to create"), "", section("0 to create")})
	if !strings.HasPrefix(body, forge.PlanMarker+"\n") || strings.Count(body, forge.PlanMarker) != 1 {
		t.Errorf("want exactly one marker, first:\n%s", body)
	}
	if n := strings.Count(body, "Commands (write access)"); n != 1 {
		t.Errorf("the commands' footer appears %d times:\n%s", n, body)
	}
	dev, staging, prod := strings.Index(body, "#### Shard `dev`"), strings.Index(body, "#### Shard `staging`"), strings.Index(body, "#### Shard `prod`")
	if dev < 0 || staging < dev || prod < staging {
		t.Fatalf("sections missing or out of order:\n%s", body)
	}
	if s := body[dev:staging]; !strings.Contains(s, "**1 to create**") || !strings.Contains(s, "owner `acme-dev`") {
		t.Errorf("dev's section: %q", s)
	}
	if s := body[staging:prod]; !strings.Contains(s, "Planning…") {
		t.Errorf("staging has not planned yet, its section says %q", s)
	}

	long := section(strings.Repeat("a line of plan\n", 10000))
	body = combine(shards, []string{long, long, long})
	if len(body) > maxCombinedComment+2000 || strings.Count(body, "cut to fit one comment") != 3 {
		t.Errorf("three long sections: %d characters, %d cut", len(body), strings.Count(body, "cut to fit one comment"))
	}
}
