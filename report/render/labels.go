package render

import "github.com/kos-ops/kos_exporter/report/table"

// lang holds the words of one heading language.
type lang struct {
	code, title, hour, day, model, total, insured, versus string
	mnp, portIn, portOut, top                             string
	partial, missing, baselinePartial                     string
	collector, notExposed, noData                         string
	kinds                                                 map[string]string

	// The war-room board: titles and first column per group, the other
	// columns' headings ("%s": a time or the baseline day), line names.
	boards                                           map[table.Group][2]string
	calls, failedCalls, errorRate                    string
	baselineErrorRate                                string
	completed, failed, pendingAt                     string
	reprocessed, reprocessFailed, givenUp, backlogAt string
	lines                                            map[string]string // agencies and error-queue reasons
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
			boards: map[table.Group][2]string{
				table.Agencies:   {"Outside agencies: calls and error rate", "Agency"},
				table.OTA:        {"USIM OTA updates", "OTA"},
				table.ErrorQueue: {"Error queue reprocessing", "Reason"},
			},
			calls: "Calls", failedCalls: "Errors", errorRate: "Error rate", baselineErrorRate: "%s error rate",
			completed: "Completed", failed: "Failed", pendingAt: "Pending at %s",
			reprocessed: "Reprocessed", reprocessFailed: "Failed attempts", givenUp: "Given up", backlogAt: "Backlog at %s",
			lines: map[string]string{
				"sgi": "SGI", "kait": "KAIT", "mobins": "Mobins", "nice": "NICE", "": "USIM OTA",
				"sgi_guarantee": "SGI guarantee", "mnp_opening": "MNP opening message", "product_call": "Product call", "ota": "USIM OTA",
			},
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
			boards: map[table.Group][2]string{
				table.Agencies:   {"대외기관 호출·오류율", "대외기관"},
				table.OTA:        {"USIM OTA 업데이트", "OTA"},
				table.ErrorQueue: {"오류 큐(Error Queue) 재처리", "사유"},
			},
			calls: "호출", failedCalls: "오류", errorRate: "오류율", baselineErrorRate: "%s 오류율",
			completed: "완료", failed: "실패", pendingAt: "%s 대기",
			reprocessed: "재처리 성공", reprocessFailed: "재처리 실패", givenUp: "재처리 포기", backlogAt: "%s 잔여",
			lines: map[string]string{
				"sgi": "SGI 서울보증", "kait": "KAIT", "mobins": "모빈스", "nice": "NICE", "": "USIM OTA",
				"sgi_guarantee": "SGI 보증", "mnp_opening": "번호이동 개시 전문", "product_call": "상품 연동", "ota": "USIM OTA",
			},
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
