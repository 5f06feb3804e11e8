package result

import (
	"fmt"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

func TestChunksUnpackInOrder(t *testing.T) {
	f := Family{Name: "kos_calls", Type: dto.MetricType_COUNTER}
	// Sorted layout: a variable "agency", a constant "env", a variable "op".
	f.Series.Layout = []Label{{Name: "agency", Index: 0}, {Name: "env", Value: "prod", Index: -1}, {Name: "op", Index: 1}}
	for i := range 10 {
		f.Series.Add(fmt.Sprintf("a%d\xffop%d\xff", i, i%3), float64(i))
	}
	for _, n := range []int{1, 3, 10, 64} {
		t.Run(fmt.Sprint("chunk=", n), func(t *testing.T) {
			var got []string
			calls := 0
			err := f.Chunks(n, func(ms []*dto.Metric) error {
				calls++
				if len(ms) > n {
					t.Errorf("chunk of %d metrics, want at most %d", len(ms), n)
				}
				for _, m := range ms {
					got = append(got, fmt.Sprintf("%s=%s,%s=%s,%s=%s %v", m.Label[0].GetName(), m.Label[0].GetValue(),
						m.Label[1].GetName(), m.Label[1].GetValue(), m.Label[2].GetName(), m.Label[2].GetValue(), m.GetCounter().GetValue()))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := (10 + n - 1) / n; calls != want {
				t.Errorf("%d calls, want %d", calls, want)
			}
			if len(got) != 10 {
				t.Fatalf("%d series, want 10", len(got))
			}
			for i, g := range got {
				if want := fmt.Sprintf("agency=a%d,env=prod,op=op%d %d", i, i%3, i); g != want {
					t.Errorf("series %d = %q, want %q", i, g, want)
				}
			}
		})
	}
}

func TestAllReturnsFreshMetrics(t *testing.T) {
	f := Family{Name: "kos_queue", Type: dto.MetricType_GAUGE}
	f.Series.Layout = []Label{{Name: "queue", Index: 0}}
	f.Series.Add("a\xff", 1)
	f.Series.Add("b\xff", 2)
	all := f.All()
	again := f.All()
	if len(all) != 2 || all[0] == again[0] {
		t.Fatalf("All returned %d metrics, shared between calls: %v", len(all), all[0] == again[0])
	}
	if all[1].GetGauge().GetValue() != 2 || all[1].Label[0].GetValue() != "b" {
		t.Errorf("second series = %v", all[1])
	}
}

// TestAddBytesCopiesTheKey adds keys from one reused buffer, as the mapper
// does, past several growths of the packed keys: each sample keeps its own.
func TestAddBytesCopiesTheKey(t *testing.T) {
	var s Series
	var buf []byte
	for i := range 1000 {
		buf = fmt.Appendf(buf[:0], "model_%d\xff", i)
		s.AddBytes(buf, float64(i))
	}
	if s.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", s.Len())
	}
	for i := range 1000 {
		if got, want := s.Key(i), fmt.Sprintf("model_%d\xff", i); got != want {
			t.Fatalf("Key(%d) = %q, want %q", i, got, want)
		}
	}
}
