package server

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tkeops/tkeops/runstore"
)

// chromium is where hack/chromium/install.sh (Debian's package) puts it.
const chromium = "/usr/bin/chromium"

// envUpdateScreenshot, set to 1, writes the screenshot to docs/images.
const envUpdateScreenshot = "TKEOPS_UPDATE_SCREENSHOT"

// driftPlan is a drift report as the engine writes it: two resources moved,
// one is to be replaced, one removed from the specs.
const driftPlan = `{"formatVersion":"1.0","owner":"prod","observed":"d1","revision":"4f1c2e9a7b3d5f60718293a4b5c6d7e8f9012345",
"drift":[{"kind":"NodePool","name":"prod-general"},{"kind":"SecurityGroup","name":"prod-nodes"}],
"steps":[
 {"id":"NodePool/prod-general#scaling","addr":{"kind":"NodePool","name":"prod-general"},"action":"update","reason":"drifted","apiAction":"as:ModifyAutoScalingGroup",
  "changes":[{"path":"spec.scaling.max","before":6,"after":10,"class":"in-place"},{"path":"spec.scaling.desired","before":2,"after":3,"class":"in-place"}]},
 {"id":"SecurityGroup/prod-nodes","addr":{"kind":"SecurityGroup","name":"prod-nodes"},"action":"update","reason":"drifted","apiAction":"vpc:ReplaceSecurityGroupPolicies",
  "changes":[{"path":"spec.ingress[2].cidrBlock","before":"0.0.0.0/0","after":"10.0.0.0/16","class":"in-place"}]},
 {"id":"Subnet/prod-c","addr":{"kind":"Subnet","name":"prod-c"},"action":"create","reason":"missing","apiAction":"vpc:CreateSubnet"},
 {"id":"NodePool/prod-gpu","addr":{"kind":"NodePool","name":"prod-gpu"},"action":"replace","reason":"replace-immutable","apiAction":"tke:CreateClusterNodePool",
  "changes":[{"path":"spec.instanceTypes","before":["GN7.2XLARGE32"],"after":["GN10X.2XLARGE40"],"class":"replace"}]},
 {"id":"NodePool/prod-batch","addr":{"kind":"NodePool","name":"prod-batch"},"action":"delete","reason":"removed-from-spec","blocked":"needs an approval in the pull request: comment /tkeops approve"}
]}`

// TestRunPageScreenshot renders a drift report's run page in headless Chromium
// (Debian's package) and checks what a person sees: the red drift panel with
// the drifted fields, and the plan's steps coloured by action.
func TestRunPageScreenshot(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if testing.Short() {
			t.Skipf("-short and no %s", chromium)
		}
		t.Fatalf("%s: %v: run hack/chromium/install.sh (make tools does)", chromium, err)
	}
	f := newFixture(t)
	ctx := context.Background()
	run := runstore.Run{Kind: runstore.KindDrift, Trigger: "schedule", Revision: "4f1c2e9a7b3d5f60718293a4b5c6d7e8f9012345"}
	if err := f.store.Create(ctx, &run); err != nil {
		t.Fatal(err)
	}
	run.State, run.Result, run.FinishedAt = runstore.StateSucceeded, runstore.ResultDrift, run.StartedAt.Add(2340*time.Millisecond)
	run.Summary = "2 drifted (NodePool/prod-general, SecurityGroup/prod-nodes); 2 to create, 2 to update, 2 to destroy"
	run.Counts = &runstore.Counts{Create: 1, Update: 2, Replace: 1, Delete: 1, Blocked: 1, Drifted: 2}
	run.Drifted = []string{"NodePool/prod-general", "SecurityGroup/prod-nodes"}
	if err := f.store.Update(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := f.store.PutArtifact(ctx, run.ID, runstore.ArtifactPlanJSON, []byte(driftPlan)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.srv.Handler())
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()

	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/runs/"+run.ID), chromedp.WaitVisible(chromedp.CSS(".panel.red"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	panel, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(".panel.red")))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	steps, err := chromedp.Run(bctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".step")).map(e => e.className + " " + getComputedStyle(e).borderLeftColor).join("\n")`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	for _, want := range []string{"Drift: 2 resource(s) differ", "NodePool/prod-general", "spec.scaling.max", "spec.ingress[2].cidrBlock", "0.0.0.0/0"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the drift panel lacks %q:\n%s", want, panel)
		}
	}
	// Border colours as the browser computed them: create green, update amber,
	// replace purple, delete (blocked) red.
	for _, want := range []string{"s-create rgb(26, 127, 55)", "s-update rgb(191, 135, 0)", "s-replace rgb(130, 80, 223)", "s-blocked rgb(207, 34, 46)"} {
		if !strings.Contains(steps, want) {
			t.Errorf("no step %q among:\n%s", want, steps)
		}
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if red := count(img, 0xff, 0xf5, 0xf5); red < 20000 {
		t.Errorf("the screenshot has %d pixels of the drift panel's red background, want a panel", red)
	}
	out := filepath.Join(t.TempDir(), "run-page.png")
	if os.Getenv(envUpdateScreenshot) == "1" {
		out = filepath.Join("..", "docs", "images", "run-page.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %dx%d written to %s", img.Bounds().Dx(), img.Bounds().Dy(), out)
}

// count is the number of pixels of one colour.
func count(img image.Image, r, g, b uint8) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				n++
			}
		}
	}
	return n
}
