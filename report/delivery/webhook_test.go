package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPostRetriesWithBackoff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int // answers in order; the last repeats
		wantErr  string
		calls    int
		waits    []time.Duration
	}{
		{"accepted at once", []int{200}, "", 1, nil},
		{"two 500s then accepted", []int{500, 503, 204}, "", 3, []time.Duration{time.Second, 2 * time.Second}},
		{"429 is retried", []int{429, 200}, "", 2, []time.Duration{time.Second}},
		{"always 500: gives up", []int{500}, "giving up after 4 attempts: webhook answered 500 Internal Server Error", 4, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
		{"404 is permanent", []int{404}, "webhook answered 404 Not Found", 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				w.WriteHeader(tc.statuses[min(n, len(tc.statuses))-1])
			}))
			defer srv.Close()
			var waits []time.Duration
			w := webhook{url: srv.URL, client: srv.Client(), retry: policy{
				attempts: 4, initial: time.Second, max: 3 * time.Second,
				sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			}}
			err := w.post(context.Background(), message{Text: "| a |", Hour: "2026-11-26T10:00:00+09:00", Status: "complete"})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("post: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("post error %v, want %q", err, tc.wantErr)
			}
			if int(calls.Load()) != tc.calls {
				t.Errorf("%d requests, want %d", calls.Load(), tc.calls)
			}
			if !slices.Equal(waits, tc.waits) {
				t.Errorf("waits %v, want %v", waits, tc.waits)
			}
		})
	}
}

func TestPostErrorHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	host := srv.Listener.Addr().String()
	srv.Close() // refused from now on
	w := webhook{url: "http://" + host + "/hooks/abc?token=s3cret", client: &http.Client{Timeout: time.Second}, retry: policy{
		attempts: 2, initial: time.Second, max: time.Second,
		sleep: func(context.Context, time.Duration) error { return nil },
	}}
	err := w.post(context.Background(), message{Hour: "2026-11-26T10:00:00+09:00"})
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "/hooks/abc") || !strings.Contains(err.Error(), `"http://`+host+`"`) {
		t.Errorf("post error %v: want the host only", err)
	}
}

func TestReadURLFile(t *testing.T) {
	dir := t.TempDir()
	const secret = "https://chat.example/hooks/abc?token=s3cret"
	for _, tc := range []struct {
		name, content string // content "": no file is written
		path          string // default: a file in dir named after the case
		want, wantErr string
	}{
		{name: "trimmed", content: "\n  " + secret + "\r\n", want: secret},
		{name: "missing", wantErr: "webhook URL file: open "},
		{name: "directory", path: dir, wantErr: "webhook URL file: " + dir + " is not a regular file (a directory)"},
		{name: "not a URL", content: "token=s3cret\n", wantErr: "does not hold an http or https URL"},
		{name: "unparsable", content: "https://chat.example/%zz?token=s3cret", wantErr: "does not hold an http or https URL"},
		{name: "empty", content: " \n", wantErr: "does not hold an http or https URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = filepath.Join(dir, tc.name)
				if tc.content != "" {
					if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := ReadURLFile(path)
			switch {
			case tc.wantErr == "" && (err != nil || got != tc.want):
				t.Errorf("ReadURLFile = %q, %v; want %q", got, err, tc.want)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "s3cret")):
				t.Errorf("ReadURLFile error %v, want %q and no secret", err, tc.wantErr)
			}
		})
	}
}
