package rulescheck

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func hasHangul(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Hangul, r) })
}

// runbookSections maps the anchor of each level-2 heading of a runbooks page
// to the text up to the next level-2 heading.
func runbookSections(doc string) map[string]string {
	sections := map[string]string{}
	var anchor string
	for line := range strings.Lines(doc) {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchor = githubAnchor(h)
			sections[anchor] = ""
			continue
		}
		if anchor != "" {
			sections[anchor] += line
		}
	}
	return sections
}

// runbooksWithoutKorean lists the alerts whose runbook section is missing or
// has no Korean block (a **한국어** line, then Hangul before **English**): the
// war-room reads runbooks in Korean, and a screen name quoted in the English
// (KAIT보험 사전체크 SKIP) is not a translation.
func runbooksWithoutKorean(doc string, alertNames []string) []string {
	sections := runbookSections(doc)
	var missing []string
	for _, a := range alertNames {
		_, ko, ok := strings.Cut(sections[strings.ToLower(a)], "**한국어**")
		ko, _, _ = strings.Cut(ko, "**English**")
		if !ok || !hasHangul(ko) {
			missing = append(missing, a)
		}
	}
	return missing
}

func TestRunbooksWithoutKorean(t *testing.T) {
	const doc = "# Runbooks\n\n개요\n\n## KOSA\n\n**한국어**\n\n- 개통 지연.\n\n**English**\n\n**Meaning.** A.\n\n" +
		"## KOSB\n\n**Meaning.** B.\n\n" +
		"## KOSScreen\n\n**Meaning.** Turn on KAIT보험 사전체크 SKIP.\n\n" +
		"## KOSEmptyBlock\n\n**한국어**\n\n**English**\n\n**Meaning.** 개통 (see glossary).\n\n" +
		"## KOSNoEnglish\n\n**한국어**\n\n- 번호이동.\n\n## Tuning\n\n한국어 설명\n"
	for _, tc := range []struct {
		name   string
		alerts []string
		want   []string
	}{
		{"Korean section", []string{"KOSA"}, nil},
		{"English only, Hangul in the next section", []string{"KOSB"}, []string{"KOSB"}},
		{"Hangul only in the preamble", []string{"KOSA", "KOSB"}, []string{"KOSB"}},
		{"no section", []string{"KOSC"}, []string{"KOSC"}},
		{"Hangul only in a screen name of the English", []string{"KOSScreen"}, []string{"KOSScreen"}},
		{"empty Korean block", []string{"KOSEmptyBlock"}, []string{"KOSEmptyBlock"}},
		{"Korean block without English after it", []string{"KOSNoEnglish"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := runbooksWithoutKorean(doc, tc.alerts); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEveryRunbookHasKorean: each alert's section of docs/runbooks.md has Korean text.
func TestEveryRunbookHasKorean(t *testing.T) {
	var names []string
	for _, a := range alerts(loadRules(t)) {
		names = append(names, a.Alert)
	}
	if len(names) == 0 {
		t.Fatal("no alerts in rules/")
	}
	for _, a := range runbooksWithoutKorean(string(readFile(t, "docs/runbooks.md")), names) {
		t.Errorf("docs/runbooks.md section ## %s has no Korean text", a)
	}
}
