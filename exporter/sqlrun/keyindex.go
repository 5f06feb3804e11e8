package sqlrun

import (
	"hash/maphash"
	"math/bits"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// keyIndex finds the sample of a family that already has a label key, so a
// duplicate label set is dropped. A Go map of the keys as strings cost a
// million-series run most of its mapping time (growing, hashing, and the
// garbage collector scanning a million string keys); this table holds no
// pointer. A slot is the upper 32 bits of the key's hash, which also choose
// the slot (so the table grows without hashing again), and the sample's
// index in the family's packed series; a matching hash is confirmed by
// comparing the whole key, so a hash collision never merges two label
// sets.
type keyIndex struct {
	seed  maphash.Seed
	hash  func(seed maphash.Seed, key []byte) uint64 // maphash.Bytes; tests force collisions
	slots []uint64                                   // 0 empty, else hash>>32<<32 | sample index+1
	shift uint                                       // 32 - log2(len(slots))
	used  int
}

func newKeyIndex() keyIndex {
	return keyIndex{seed: maphash.MakeSeed(), hash: maphash.Bytes}
}

// maxIndexed is the most samples a family can index: the table, at most
// 3/4 full, then has at most 1<<32 slots, which the 32 bits of a slot's
// hash can address.
const maxIndexed = 3 << 30

// find returns the index of the sample of s whose key is key, or -1, and
// the key's hash for insert.
func (x *keyIndex) find(s *result.Series, key []byte) (sample int, h uint32) {
	h = uint32(x.hash(x.seed, key) >> 32)
	if len(x.slots) == 0 {
		return -1, h
	}
	mask := len(x.slots) - 1
	for i := int(h >> x.shift); ; i = (i + 1) & mask {
		slot := x.slots[i]
		if slot == 0 {
			return -1, h
		}
		if uint32(slot>>32) == h {
			if n := int(uint32(slot)) - 1; s.Key(n) == string(key) {
				return n, h
			}
		}
	}
}

// insert records that sample has the key of hash h, which find did not
// find; sample must be below maxIndexed.
func (x *keyIndex) insert(h uint32, sample int) {
	// At most 3/4 full, so an unsuccessful probe stays short.
	if 4*(x.used+1) > 3*len(x.slots) {
		x.grow()
	}
	x.put(uint64(h)<<32 | uint64(sample+1))
	x.used++
}

func (x *keyIndex) put(slot uint64) {
	mask := len(x.slots) - 1
	i := int(uint32(slot>>32) >> x.shift)
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = slot
}

// grow doubles the table (it starts at 16 slots).
func (x *keyIndex) grow() {
	old := x.slots
	size := max(2*len(old), 16)
	x.slots, x.shift = make([]uint64, size), uint(32-bits.TrailingZeros(uint(size)))
	for _, slot := range old {
		if slot != 0 {
			x.put(slot)
		}
	}
}
