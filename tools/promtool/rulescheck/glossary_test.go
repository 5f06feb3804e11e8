package rulescheck

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// articleTerms are the launch-day article's words the war-room uses; the
// glossary must map each to what carries it.
var articleTerms = []string{
	"실판", "상황실", "계약 파트", "연동 파트", "상품 파트", "기기 파트", "개통", "번호이동 (MNP)",
	"포트인", "포트아웃", "개시 전문", "SGI", "KAIT", "보험 중복 가입 체크", "Mobins", "요금제",
	"부가서비스", "OTT 후처리", "우수 기변", "패드개통", "스마트 개통", "레퍼런스", "스폰서 지원금",
	"단말보험", "기기변경", "대기 순번", "임계치 미달 대기 건", "USIM OTA", "Error Queue 재처리",
	"실적표", "사전예약", "현행화", "전략 단말", "KAIT보험 사전체크 SKIP", "VOC",
}

// programs are this repository's binaries, named like metrics.
var programs = []string{"kos_exporter", "kos_report", "kos_launchsim"}

var (
	glossaryRow   = regexp.MustCompile("(?m)^\\| ([^|]+) \\| [^|]+ \\| (.+) \\|$")
	codeSpan      = regexp.MustCompile("`([^`]+)`")
	seriesRef     = regexp.MustCompile(`^([a-z_]+:[a-z0-9_:]+|kos_[a-z_]+)(?:\{(.*)\})?$`)
	labelRef      = regexp.MustCompile(`^([a-z_]+)(?:="([^"]*)")?$`)
	runbookLink   = regexp.MustCompile(`\[(KOS[A-Za-z]+)\]\(runbooks\.md#([a-z]+)\)`)
	dashboardName = regexp.MustCompile("dashboard `([a-z-]+)`")
)

// TestGlossary: docs/glossary.md names every article term, and every
// metric, label value, alert and dashboard it points at exists.
func TestGlossary(t *testing.T) {
	doc := string(readFile(t, "docs/glossary.md"))
	inv := newInventory(t)
	uids := dashboardUIDs(t)
	rows := glossaryRow.FindAllStringSubmatch(doc, -1)
	var terms []string
	for _, r := range rows {
		terms = append(terms, strings.TrimSpace(r[1]))
	}
	for _, want := range articleTerms {
		if !slices.ContainsFunc(terms, func(term string) bool { return strings.Contains(term, want) }) {
			t.Errorf("no row for %q", want)
		}
	}
	for _, r := range rows {
		where := r[2]
		for _, c := range codeSpan.FindAllStringSubmatch(where, -1) {
			m := seriesRef.FindStringSubmatch(c[1])
			if m == nil || slices.Contains(programs, m[1]) {
				continue
			}
			checkGlossarySeries(t, inv, m[1], m[2])
		}
		for _, l := range runbookLink.FindAllStringSubmatch(where, -1) {
			if !slices.Contains(inv.alerts, l[1]) {
				t.Errorf("%s: no such alert", l[1])
			}
			if l[2] != strings.ToLower(l[1]) {
				t.Errorf("%s links to #%s", l[1], l[2])
			}
		}
		for _, d := range dashboardName.FindAllStringSubmatch(where, -1) {
			if !uids[d[1]] {
				t.Errorf("dashboard %q: no dashboard has that uid", d[1])
			}
		}
	}
}

// checkGlossarySeries: name is a collected or recorded series and, for a
// collected one, the labels (and values, where the label has fixed ones)
// in the braces are its own.
func checkGlossarySeries(t *testing.T, inv inventory, name, labels string) {
	t.Helper()
	f, ok := inv.families[name]
	if !ok {
		f, ok = inv.families[name+"_bucket"]
	}
	switch {
	case ok:
	case inv.recorded[name]:
		return
	default:
		t.Errorf("%s: neither collected nor recorded", name)
		return
	}
	if labels == "" {
		return
	}
	for _, l := range strings.Split(labels, ",") {
		m := labelRef.FindStringSubmatch(strings.TrimSpace(l))
		switch {
		case m == nil:
			t.Errorf("%s{%s}: cannot read %q", name, labels, l)
		case !f.labels[m[1]]:
			t.Errorf("%s has no label %s", name, m[1])
		case m[2] != "" && len(f.values[m[1]]) > 0 && !slices.Contains(f.values[m[1]], m[2]):
			t.Errorf("%s{%s=%q}: the label takes only %v", name, m[1], m[2], f.values[m[1]])
		}
	}
}
