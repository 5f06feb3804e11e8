package launchsim

import (
	"container/heap"
	"time"
)

// stage is a step of some flow that completes after a delay and that an
// incident or switch may hold back.
type stage int

const (
	stageActivation stage = iota // activation completes
	stageOpening                 // MNP opening message settles
	stageMobins                  // insurance reaches Mobins
	stageKait                    // Mobins→KAIT sync confirms
	stageOTA                     // OTA USIM update completes
	stageServe                   // wait-queue item served
	stageRetry                   // error-queue reprocessing attempt
	stagePortIn                  // port-in activation completes
	stageServeBelow              // wait-queue item under the stock threshold served
	stageOTTPost                 // OTT post-processing completes
	numStages
)

type event struct {
	due   time.Time
	seq   uint64 // creation order: ties on due resolve deterministically
	stage stage
	id    int64
	aux   string // MNP direction or error-queue reason
	n     int    // error-queue attempt number
}

// eventHeap orders pending events by due time.
type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

var _ heap.Interface = (*eventHeap)(nil)
