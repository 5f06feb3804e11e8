package rulescheck

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var templateField = regexp.MustCompile(`\$(?:labels\.[A-Za-z_]+|value)`)

// koreanProblems lists what an alert's annotations lack for the war-room,
// which reads alerts in Korean: summary_ko (static, like summary) and
// description_ko, each with Hangul in it and showing every label and value
// the English description shows.
func koreanProblems(ann map[string]string) []string {
	var problems []string
	for _, key := range []string{"summary_ko", "description_ko"} {
		v, ok := ann[key]
		switch {
		case !ok || strings.TrimSpace(v) == "":
			problems = append(problems, key+" is missing")
		case !hasHangul(v):
			problems = append(problems, key+" has no Hangul")
		}
	}
	if strings.Contains(ann["summary_ko"], "{{") {
		problems = append(problems, "summary_ko is templated")
	}
	ko := templateField.FindAllString(ann["description_ko"], -1)
	for _, f := range templateField.FindAllString(ann["description"], -1) {
		if !slices.Contains(ko, f) && !slices.Contains(problems, "description_ko lacks "+f) {
			problems = append(problems, "description_ko lacks "+f)
		}
	}
	return problems
}

func TestKoreanProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		ann  map[string]string
		want []string
	}{
		{"both Korean", map[string]string{"summary_ko": "개통이 멈췄습니다.", "description_ko": "{{ $value }}건"}, nil},
		{"none", map[string]string{"summary": "Stalled."}, []string{"summary_ko is missing", "description_ko is missing"}},
		{"blank", map[string]string{"summary_ko": " ", "description_ko": "개통"}, []string{"summary_ko is missing"}},
		{"English in the Korean slot", map[string]string{"summary_ko": "개통", "description_ko": "Only {{ $value }} per second."}, []string{"description_ko has no Hangul"}},
		{"templated summary", map[string]string{"summary_ko": "{{ $labels.agency }} 오류", "description_ko": "오류"}, []string{"summary_ko is templated"}},
		{"same fields as the English", map[string]string{"summary_ko": "오류", "description_ko": "{{ $labels.agency }} 호출의 {{ $value }}",
			"description": "{{ $value }} of {{ $labels.agency }} ({{ $labels.agency }})"}, nil},
		{"a label the English shows", map[string]string{"summary_ko": "오류", "description_ko": "{{ $value }} 실패",
			"description": "{{ $value }} of {{ $labels.agency }} ({{ $labels.agency }}, {{ $labels.job }})"},
			[]string{"description_ko lacks $labels.agency", "description_ko lacks $labels.job"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := koreanProblems(tc.ann)
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEveryAlertHasKorean: each alert of rules/ carries Korean text.
func TestEveryAlertHasKorean(t *testing.T) {
	as := alerts(loadRules(t))
	if len(as) == 0 {
		t.Fatal("no alerts in rules/")
	}
	for _, a := range as {
		for _, p := range koreanProblems(a.Annotations) {
			t.Errorf("%s: %s", a.Alert, p)
		}
	}
}
