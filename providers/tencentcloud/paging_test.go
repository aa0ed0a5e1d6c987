package tencentcloud

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestClusterPagesAtOnce: DescribeClusters pages after the first are read at once
// and kept in offset order; a list that grew while it was read is read to its end.
func TestClusterPagesAtOnce(t *testing.T) {
	var mu sync.Mutex
	total := 250
	var inFlight atomic.Int32
	var most int32 // the most requests in flight at once, under mu
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-TC-Action"); a != "DescribeClusters" {
			http.Error(w, "unexpected action "+a, http.StatusBadRequest)
			return
		}
		var req struct{ Offset, Limit int }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		mu.Lock()
		most = max(most, n)
		mu.Unlock()
		if req.Offset > 0 {
			time.Sleep(50 * time.Millisecond) // the later pages overlap
		}
		mu.Lock()
		if req.Offset > 0 {
			total = 260 // ten more clusters appear while the list is read
		}
		count := total
		mu.Unlock()
		var cls []string
		for i := req.Offset; i < min(req.Offset+req.Limit, count); i++ {
			cls = append(cls, fmt.Sprintf(`{"ClusterId":"cls-%08d"}`, i))
		}
		fmt.Fprintf(w, `{"Response":{"TotalCount":%d,"Clusters":[%s],"RequestId":"r"}}`, count, strings.Join(cls, ","))
	}))
	defer srv.Close()
	conn, err := NewConnector(Options{SecretID: "AKIDtest", SecretKey: "k", Owner: "o", Scheme: "HTTP",
		Endpoint: strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conn.ConnectRegion("ap-guangzhou")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.listClusters(t.Context(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 260 {
		t.Fatalf("%d clusters listed, want 260", len(got))
	}
	for i, cl := range got {
		if want := fmt.Sprintf("cls-%08d", i); sv(cl.ClusterId) != want {
			t.Fatalf("cluster %d is %s, want %s (pages out of order?)", i, sv(cl.ClusterId), want)
		}
	}
	if most < 2 {
		t.Errorf("at most %d page read at a time: the pages after the first were read one by one", most)
	}
}
