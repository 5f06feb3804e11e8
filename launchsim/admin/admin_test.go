package admin_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/launchsim/admin"
	"github.com/kos-ops/kos_exporter/schema"
)

func TestHandler(t *testing.T) {
	db := mysqltest.New(t).OpenInterpolated(t)
	now := time.Date(2026, 9, 20, 8, 0, 0, 0, time.UTC)
	sim, err := launchsim.New(context.Background(), db, launchsim.Options{Now: func() time.Time { return now }, Schema: schema.InProcess})
	if err != nil {
		t.Fatal(err)
	}
	h := admin.Handler(sim)

	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string // substring of the response
	}{
		{"clock at the opening", "GET", "/clock", 200, `{"simulated":"2026-09-20T08:00:00+09:00"}`},
		{"list incidents", "GET", "/incidents", 200, `"name":"kait_lag","active":false`},
		{"start incident", "POST", "/incidents/kait_lag", 200, `"name":"kait_lag","active":true`},
		{"end incident", "DELETE", "/incidents/kait_lag", 200, `"name":"kait_lag","active":false`},
		{"unknown incident", "POST", "/incidents/meteor", 404, `unknown incident \"meteor\" (valid: activation_stall`},
		{"switch on", "POST", "/switches/kait_insurance_precheck_skip?on=true", 200, `"name":"kait_insurance_precheck_skip","on":true`},
		{"switch without on", "POST", "/switches/kait_insurance_precheck_skip", 400, "on must be true or false"},
		{"unknown switch", "POST", "/switches/nope?on=true", 404, `unknown switch`},
		{"wrong method", "PUT", "/incidents/kait_lag", 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body %s, want it to contain %s", rec.Body, tc.body)
			}
			if tc.status < 300 && !json.Valid(rec.Body.Bytes()) {
				t.Errorf("body is not JSON: %s", rec.Body)
			}
		})
	}

	var on bool
	var by string
	if err := db.QueryRow("SELECT is_on, changed_by FROM ref_switch WHERE name = 'kait_insurance_precheck_skip'").Scan(&on, &by); err != nil {
		t.Fatal(err)
	}
	if !on || by != "admin" {
		t.Errorf("ref_switch: on=%v changed_by=%q, want true and admin", on, by)
	}
}
