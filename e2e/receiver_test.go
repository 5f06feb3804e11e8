//go:build e2e

package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// notification is one webhook delivery, as Alertmanager's webhook sends it.
type notification struct {
	At       time.Time `json:"-"`
	Scenario string    `json:"-"`
	Path     string    `json:"-"` // receiver name from the URL path
	Receiver string    `json:"receiver"`
	Status   string    `json:"status"`
	GroupKey string    `json:"groupKey"`
	Alerts   []struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     time.Time         `json:"startsAt"`
		Fingerprint  string            `json:"fingerprint"`
		GeneratorURL string            `json:"generatorURL"`
	} `json:"alerts"`
}

// receiver records every notification; URLs are /<scenario>/<receiver>
// where the receiver's name has its dashes as slashes
// (war-room-device → /war-room/device), as in examples/alertmanager.yml.
type receiver struct {
	URL string

	mu   sync.Mutex
	got  []notification
	wake chan struct{} // closed and replaced on every notification
	errs []string
}

func newReceiver(t testing.TB) *receiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	r := &receiver{URL: "http://" + l.Addr().String(), wake: make(chan struct{})}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var n notification
	err := json.NewDecoder(req.Body).Decode(&n)
	scenario, path, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	n.At, n.Scenario, n.Path = time.Now(), scenario, strings.ReplaceAll(path, "/", "-")
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs = append(r.errs, req.URL.Path+": "+err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.got = append(r.got, n)
	close(r.wake)
	r.wake = make(chan struct{})
}

// since returns the notifications of scenario received so far, and a
// channel closed at the next delivery.
func (r *receiver) since(scenario string) ([]notification, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []notification
	for _, n := range r.got {
		if n.Scenario == scenario {
			out = append(out, n)
		}
	}
	return out, r.wake
}

func (r *receiver) decodeErrors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}
