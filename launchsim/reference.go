package launchsim

import (
	"context"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// modelReference is the launch reference data the plan sets for one model
// (현행화): the sponsor subsidy and the device-insurance product.
type modelReference struct {
	subsidyKRW int64
	insurance  string
}

// referenceFile is the plan's reference section: model name → values, in
// file order.
type referenceFile struct {
	models []at[string]
	values []referenceValues
	line   int
}

type referenceValues struct {
	SubsidyKRW at[int64]  `yaml:"subsidy_krw"`
	Insurance  at[string] `yaml:"insurance"`
	line       int
}

func (f *referenceValues) UnmarshalYAML(n *yaml.Node) error {
	type plain referenceValues
	return decodeStrict(n, (*plain)(f), &f.line)
}

func (f *referenceFile) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected a mapping of models to their reference values", n.Line)
	}
	f.line = n.Line
	for i := 0; i < len(n.Content); i += 2 {
		var v referenceValues
		if err := n.Content[i+1].Decode(&v); err != nil {
			return err
		}
		f.models = append(f.models, at[string]{n.Content[i].Value, n.Content[i].Line})
		f.values = append(f.values, v)
	}
	return nil
}

// reference checks that every model of the line-up has its values and that
// no other model is named.
func (v *validator) reference(f *referenceFile, parent int, models []weighted) map[string]modelReference {
	if !v.present(f.line, parent, "reference") {
		return nil
	}
	out := map[string]modelReference{}
	for i, m := range f.models {
		val := f.values[i]
		known := false
		for _, w := range models {
			known = known || w.v == m.v
		}
		if !known {
			v.errorf(m.line, "reference: %q is not a model of the line-up", m.v)
		}
		key := "reference." + m.v
		if v.present(val.SubsidyKRW.line, val.line, key+".subsidy_krw") && val.SubsidyKRW.v < 0 {
			v.errorf(val.SubsidyKRW.line, "%s.subsidy_krw: %d, want 0 or more (KRW)", key, val.SubsidyKRW.v)
		}
		if v.present(val.Insurance.line, val.line, key+".insurance") && (!labelValue.MatchString(val.Insurance.v) || len(val.Insurance.v) > 32) {
			v.errorf(val.Insurance.line, "%s.insurance: %q, want letters, digits and _, at most 32 bytes", key, val.Insurance.v)
		}
		out[m.v] = modelReference{subsidyKRW: val.SubsidyKRW.v, insurance: val.Insurance.v}
	}
	for _, w := range models {
		if _, ok := out[w.v]; !ok {
			v.errorf(f.line, "reference: model %s has no reference values", w.v)
		}
	}
	return out
}

// Reference incidents touch one model each: the line-up's first loses its
// subsidy, its last gets wrong values (one model when there is only one).
func (s *Sim) referenceTargets() (missing, wrong string) {
	return s.plan.models[0].v, s.plan.models[len(s.plan.models)-1].v
}

// referenceRow is what ref_model holds for model given the reference
// incidents: the plan's values, applied at appliedAt, unless an incident
// says otherwise.
type referenceRow struct {
	subsidyAt, insuranceAt any // NULL when not applied
	subsidyKRW             any
	insurance              any
}

func (s *Sim) referenceRow(model, appliedAt string) referenceRow {
	want := s.plan.reference[model]
	row := referenceRow{appliedAt, appliedAt, want.subsidyKRW, want.insurance}
	missing, wrong := s.referenceTargets()
	if model == wrong && s.incidents[ReferenceWrong] {
		// Last launch's amount and another model's product: what a copy
		// of the previous line-up's rows looks like.
		row.subsidyKRW, row.insurance = want.subsidyKRW/2, wrongInsurance(want.insurance)
	}
	if model == missing && s.incidents[ReferenceMissing] {
		row.subsidyAt, row.subsidyKRW = nil, nil
	}
	return row
}

func wrongInsurance(product string) string { return "prev_" + product[:min(len(product), 27)] }

// applyReference writes the plan's reference values (the launch plan as
// registered) and what KOS has applied, given the reference incidents.
func (s *Sim) applyReference(ctx context.Context, now time.Time) error {
	at := s.ts(now)
	for _, m := range s.plan.models {
		want := s.plan.reference[m.v]
		if _, err := s.db.ExecContext(ctx, "INSERT INTO ref_model_plan (model, subsidy_krw, insurance_product) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE subsidy_krw = VALUES(subsidy_krw), insurance_product = VALUES(insurance_product)",
			m.v, want.subsidyKRW, want.insurance); err != nil {
			return fmt.Errorf("ref_model_plan: %w", err)
		}
		r := s.referenceRow(m.v, at)
		if _, err := s.db.ExecContext(ctx, "INSERT INTO ref_model (model, subsidy_applied_at, insurance_applied_at, subsidy_krw, insurance_product) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE subsidy_applied_at = VALUES(subsidy_applied_at), insurance_applied_at = VALUES(insurance_applied_at), subsidy_krw = VALUES(subsidy_krw), insurance_product = VALUES(insurance_product)",
			m.v, r.subsidyAt, r.insuranceAt, r.subsidyKRW, r.insurance); err != nil {
			return fmt.Errorf("ref_model: %w", err)
		}
	}
	s.refIncidents = [2]bool{s.incidents[ReferenceMissing], s.incidents[ReferenceWrong]}
	return nil
}
