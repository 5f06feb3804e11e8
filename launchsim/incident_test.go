package launchsim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/launchsim"
)

func TestParseIncident(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       launchsim.Action
		err        string
	}{
		{"name only", "kait_lag", launchsim.Action{Name: "kait_lag", On: true}, ""},
		{"with offset", "sgi_errors@10m", launchsim.Action{Name: "sgi_errors", On: true, At: 10 * time.Minute}, ""},
		{"unknown lists valid names", "kait_slow", launchsim.Action{}, `unknown incident "kait_slow" (valid: activation_stall, agency_blips, agency_no_traffic, `},
		{"bad offset", "kait_lag@soon", launchsim.Action{}, `incident "kait_lag@soon": offset: time: invalid duration "soon"`},
		{"negative offset", "kait_lag@-1m", launchsim.Action{}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := launchsim.ParseIncident(tc.spec)
			checkParse(t, got, err, tc.want, tc.err)
		})
	}
}

func TestParseSwitch(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       launchsim.Action
		err        string
	}{
		{"on by default", "kait_insurance_precheck_skip", launchsim.Action{Switch: true, Name: "kait_insurance_precheck_skip", On: true}, ""},
		{"off at offset", "error_queue_auto_reprocess=off@90s", launchsim.Action{Switch: true, Name: "error_queue_auto_reprocess", At: 90 * time.Second}, ""},
		{"bad state", "sgi_guarantee_skip=maybe", launchsim.Action{}, "state must be on or off"},
		{"unknown lists valid names", "nope=on", launchsim.Action{}, `unknown switch "nope" (valid: kait_insurance_precheck_skip, sgi_guarantee_skip, error_queue_auto_reprocess)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := launchsim.ParseSwitch(tc.spec)
			checkParse(t, got, err, tc.want, tc.err)
		})
	}
}

func checkParse(t *testing.T, got launchsim.Action, err error, want launchsim.Action, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
