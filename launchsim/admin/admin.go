// Package admin is kos_launchsim's HTTP control surface: the simulated
// clock, list incidents and switches, start and end incidents, flip
// switches.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/kos-ops/kos_exporter/launchsim"
)

// Controller is the part of *launchsim.Sim the admin API drives.
type Controller interface {
	Clock() time.Time
	Incidents() []launchsim.IncidentState
	Switches() []launchsim.SwitchState
	SetIncident(name string, on bool) error
	SetSwitch(ctx context.Context, name string, on bool, by string) error
}

var _ Controller = (*launchsim.Sim)(nil)

// Handler serves
//
//	GET    /clock                           the simulated time now
//	GET    /incidents                       all incidents and whether active
//	POST   /incidents/{name}                start an incident
//	DELETE /incidents/{name}                end it
//	GET    /switches                        all switches and their state
//	POST   /switches/{name}?on=true|false   flip a switch (recorded as changed_by "admin")
func Handler(c Controller) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /clock", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"simulated": c.Clock().Format(time.RFC3339)})
	})
	mux.HandleFunc("GET /incidents", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.Incidents())
	})
	setIncident := func(on bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if err := c.SetIncident(r.PathValue("name"), on); err != nil {
				writeError(w, http.StatusNotFound, err)
				return
			}
			writeJSON(w, http.StatusOK, c.Incidents())
		}
	}
	mux.HandleFunc("POST /incidents/{name}", setIncident(true))
	mux.HandleFunc("DELETE /incidents/{name}", setIncident(false))
	mux.HandleFunc("GET /switches", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.Switches())
	})
	mux.HandleFunc("POST /switches/{name}", func(w http.ResponseWriter, r *http.Request) {
		on, err := strconv.ParseBool(r.URL.Query().Get("on"))
		if err != nil {
			writeError(w, http.StatusBadRequest, errors.New("query parameter on must be true or false"))
			return
		}
		if err := c.SetSwitch(r.Context(), r.PathValue("name"), on, "admin"); err != nil {
			status := http.StatusInternalServerError
			if !isKnownSwitch(c, r.PathValue("name")) {
				status = http.StatusNotFound
			}
			writeError(w, status, err)
			return
		}
		writeJSON(w, http.StatusOK, c.Switches())
	})
	return mux
}

func isKnownSwitch(c Controller, name string) bool {
	for _, s := range c.Switches() {
		if s.Name == name {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
