package forge

import (
	"testing"
)

// BenchmarkParseWebhook measures verification plus decoding of a typical push
// delivery per forge.
func BenchmarkParseWebhook(b *testing.B) {
	for _, tc := range []struct{ kind, event, file string }{
		{GitHub, "push", "github/push.json"},
		{GitLab, "Push Hook", "gitlab/push.json"},
		{Gitea, "push", "gitea/push.json"},
	} {
		body := readTestdata(b, tc.file)
		b.Run(tc.kind, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := ParseWebhook(tc.kind, signedRequest(tc.kind, tc.event, "d", testSecret, body), []byte(testSecret), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
