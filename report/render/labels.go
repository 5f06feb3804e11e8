package render

import "github.com/kos-ops/kos_exporter/report/table"

// lang holds the words of one heading language.
type lang struct {
	code, title, hour, day, model, total, insured, versus string
	mnp, portIn, portOut, top                             string
	partial, missing, baselinePartial                     string
	collector, notExposed, noData                         string
	kinds                                                 map[string]string
}

// labelsFor returns the words of a language code.
func labelsFor(code string) (lang, bool) {
	switch code {
	case "en":
		return lang{
			code: "en", title: "KOS hourly results", hour: "Hour", day: "Today",
			model: "Model", total: "Total", insured: "Insured", versus: "vs %s",
			mnp: "Number portability requests", portIn: "port-in", portOut: "port-out",
			top:             "top models",
			partial:         "PARTIAL: a collector was down or stale during this period; figures may be low",
			missing:         "MISSING: no data for this period",
			baselinePartial: "baseline day partly missing; change may be overstated",
			collector:       "collector", notExposed: "not exposed", noData: "no data",
			kinds: map[string]string{"new": "New", "port_in": "Port-in", "device_change": "Device change"},
		}, true
	case "ko":
		return lang{
			code: "ko", title: "KOS 시간대별 실적표", hour: "시간 실적", day: "당일 누계",
			model: "모델", total: "합계", insured: "보험 가입", versus: "%s 대비",
			mnp: "번호이동 요청", portIn: "유입", portOut: "유출",
			top:             "상위 모델",
			partial:         "일부 누락: 이 기간에 수집기가 중단되었거나 오래된 값이었습니다. 수치가 실제보다 낮을 수 있습니다",
			missing:         "데이터 없음: 이 기간의 데이터가 없습니다",
			baselinePartial: "기준일 데이터 일부 누락: 증감률이 과장될 수 있습니다",
			collector:       "수집기", notExposed: "미노출", noData: "데이터 없음",
			kinds: map[string]string{"new": "신규", "port_in": "번호이동", "device_change": "기기변경"},
		}, true
	}
	return lang{}, false
}

// reason names why a collector's results were missing.
func (l lang) reason(r table.GapReason) string {
	if r == table.NoData {
		return l.noData
	}
	return l.notExposed
}
