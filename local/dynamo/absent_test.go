package dynamo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// absenceOp is one request of TestAbsenceMatchesDatabase's random
// workloads, made from a key number.
type absenceOp struct {
	op   string
	body func(n int) string
}

// absenceOps are the ways the store writes a table: every one of them
// must keep the filter, or a read after it answers "absent" for a stored
// item.
var absenceOps = []absenceOp{
	{"BatchWriteItem", func(n int) string { // the fast path
		return `{"RequestItems":{"items":[{"PutRequest":{"Item":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"},"v":{"N":"1"}}}},{"PutRequest":{"Item":{"pk":{"S":"` + absenceKey(n+1) + `"},"sk":{"S":"ORDER"}}}}]}}`
	}},
	{"BatchWriteItem", func(n int) string { // the general path, plain
		return `{"RequestItems":{"items":[{"PutRequest":{"Item":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"},"m":{"M":{"a":{"L":[{"S":"x"}]}}}}}}]}}`
	}},
	{"BatchWriteItem", func(n int) string { // the general path, two tables
		return `{"RequestItems":{"items":[{"PutRequest":{"Item":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"}}}}],"other":[{"PutRequest":{"Item":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"}}}}]}}`
	}},
	{"BatchWriteItem", func(n int) string { // deletes
		return `{"RequestItems":{"items":[{"DeleteRequest":{"Key":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"` + absenceKey(n+2) + `"},"sk":{"S":"ORDER"}}}}]}}`
	}},
	{"PutItem", func(n int) string {
		return `{"TableName":"items","Item":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"},"p":{"BOOL":true}}}`
	}},
	{"PutItem", func(n int) string { // conditional: writes only an absent key
		return `{"TableName":"items","Item":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"}},"ConditionExpression":"attribute_not_exists(pk)"}`
	}},
	{"UpdateItem", func(n int) string { // creates the item if absent
		return `{"TableName":"items","Key":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"}},"UpdateExpression":"SET c = :c","ExpressionAttributeValues":{":c":{"N":"2"}}}`
	}},
	{"DeleteItem", func(n int) string {
		return `{"TableName":"items","Key":{"pk":{"S":"` + absenceKey(n) + `"},"sk":{"S":"ORDER"}}}`
	}},
	{"DeleteTable", func(int) string { return `{"TableName":"items"}` }},
}

func absenceKey(n int) string { return fmt.Sprintf("ORDER#%03d", n) }

// absenceRead is a read of keys from to to+width-1 of the table, in the
// loader's shape (the fast path).
func absenceRead(table string, from, width int) string {
	var keys []string
	for n := from; n < from+width; n++ {
		keys = append(keys, `{"pk":{"S":"`+absenceKey(n)+`"},"sk":{"S":"ORDER"}}`)
	}
	return `{"RequestItems":{"` + table + `":{"ConsistentRead":true,"Keys":[` + strings.Join(keys, ",") + `]}}}`
}

const itemsTable = `{"TableName":"items","BillingMode":"PAY_PER_REQUEST",
	"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],
	"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`

// TestAbsenceMatchesDatabase runs random workloads of every kind of write
// and of the loader's reads on two stores, one whose reads go to the
// database only: every answer must be the same. Reads are most of the
// workload and the first request, so tables are read while fresh, and
// many keys are read before they are written, after, and after being
// deleted. A filter dropped past 40 keys is tried too.
func TestAbsenceMatchesDatabase(t *testing.T) {
	for _, limit := range []int{absenceKeys, 40} {
		for seed := range uint64(20) {
			t.Run(fmt.Sprintf("limit %d seed %d", limit, seed), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(seed, uint64(limit)))
				with, without := openAbsenceStore(t, limit), openAbsenceStore(t, limit)
				without.absent = absence{off: true}
				proved := 0
				for step := range 300 {
					op, body := "BatchGetItem", absenceRead("items", rng.IntN(60), 1+rng.IntN(20))
					if step > 0 && rng.IntN(3) == 0 {
						o := absenceOps[rng.IntN(len(absenceOps))]
						if o.op == "DeleteTable" && rng.IntN(4) > 0 {
							continue // rarely: it empties the table
						}
						op, body = o.op, o.body(rng.IntN(60))
					}
					if op == "BatchGetItem" && with.absent.fresh["items"] && with.absent.filter != nil {
						proved++
					}
					codeWith, outWith := with.dispatch(op, []byte(body))
					codeWithout, outWithout := without.dispatch(op, []byte(body))
					if diff := cmp.Diff(fmt.Sprint(codeWithout, " ", string(outWithout)), fmt.Sprint(codeWith, " ", string(outWith))); diff != "" {
						t.Fatalf("step %d: %s %s (-database +absence):\n%s", step, op, body, diff)
					}
					if op == "DeleteTable" {
						for _, s := range []*levelStore{with, without} {
							if code, out := s.dispatch("CreateTable", []byte(itemsTable)); code != http.StatusOK {
								t.Fatalf("create table again: %s", out)
							}
						}
					}
				}
				if proved == 0 && !with.absent.off {
					t.Errorf("no read was made with a filter: the test proves nothing")
				}
				if limit < absenceKeys && !with.absent.off {
					t.Errorf("the filter was not dropped past %d keys", limit)
				}
			})
		}
	}
}

// openAbsenceStore opens a store with the tables "items" and "other",
// empty, whose filter is dropped past limit keys.
func openAbsenceStore(t *testing.T, limit int) *levelStore {
	t.Helper()
	s, err := openLevelStore("", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.absent = newAbsence(limit)
	for _, table := range []string{itemsTable, strings.Replace(itemsTable, `"items"`, `"other"`, 1)} {
		if code, out := s.dispatch("CreateTable", []byte(table)); code != http.StatusOK {
			t.Fatalf("create table: %s", out)
		}
	}
	return s
}

// TestAbsenceReopen loads a table from empty, closes the store and opens
// it again: the filter was in memory only, the table is no longer fresh,
// and every item written before is found.
func TestAbsenceReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := openLevelStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if code, out := s.dispatch("CreateTable", []byte(itemsTable)); code != http.StatusOK {
		t.Fatalf("create table: %s", out)
	}
	read := []byte(absenceRead("items", 0, 50))
	if code, out := s.dispatch("BatchGetItem", read); code != http.StatusOK || string(out) != `{"Responses":{"items":[]}}`+"\n" {
		t.Fatalf("read of the empty table: %d %s", code, out)
	}
	if !s.absent.fresh["items"] || s.absent.filter == nil {
		t.Fatalf("the empty table was not found fresh: %+v", s.absent)
	}
	for n := 0; n < 50; n += 2 {
		if code, out := s.dispatch("BatchWriteItem", []byte(absenceOps[0].body(n))); code != http.StatusOK {
			t.Fatalf("write %d: %s", n, out)
		}
	}
	_, before := s.dispatch("BatchGetItem", read)
	if got := strings.Count(string(before), `"pk"`); got != 50 {
		t.Fatalf("found %d of 50 items before reopening: %s", got, before)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = openLevelStore(dir, false); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, after := s.dispatch("BatchGetItem", read)
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("read after reopening (-before +after):\n%s", diff)
	}
	if fresh, ok := s.absent.fresh["items"]; !ok || fresh || s.absent.filter != nil {
		t.Errorf("the loaded table counts as fresh after reopening (looked at %v, fresh %v, filter %v)", ok, fresh, s.absent.filter != nil)
	}
}

// TestAbsenceConcurrentLoaders runs loaders side by side on one store, as
// a run's load workers do, each through Store.ServeHTTP: every worker
// reads the stored versions of its next 25 items (none stored yet) along
// with items the other workers were told were written, then writes its
// 25. A read that misses an acknowledged item is the wrong "absent" the
// loader's ordering guard must never see. The table is empty when the
// workers start, so every read is made with the filter (checked), and the
// filter answers most of the misses (checked too).
func TestAbsenceConcurrentLoaders(t *testing.T) {
	const workers, rounds, span = 4, 150, 1_000_000
	s, err := Open(t.TempDir(), Faults{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code, out := serve(s, "CreateTable", []byte(strings.Replace(itemsTable, `"items"`, `"orders"`, 1))); code != http.StatusOK {
		t.Fatalf("create table: %s", out)
	}
	var acked [workers]atomic.Int64 // items of each worker written and acknowledged
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var body []byte
			for r := range rounds {
				next := make([]int, 25)
				for i := range next {
					next[i] = w*span + r*25 + i
				}
				nums := slices.Clone(next)
				stored := map[int]bool{}
				for range 75 {
					o := rng.IntN(workers)
					if n := int(acked[o].Load()); n > 0 {
						k := o*span + rng.IntN(n)
						if !stored[k] {
							stored[k] = true
							nums = append(nums, k)
						}
					}
				}
				body = appendVersionsRead(body[:0], "orders", nums)
				code, out := serve(s, "BatchGetItem", body)
				if code != http.StatusOK {
					errs <- fmt.Errorf("worker %d round %d: read: %s", w, r, out)
					return
				}
				var resp struct {
					Responses map[string][]struct{ Pk struct{ S string } }
				}
				if err := json.Unmarshal(out, &resp); err != nil {
					errs <- fmt.Errorf("worker %d round %d: %v: %s", w, r, err, out)
					return
				}
				found := map[int]bool{}
				for _, item := range resp.Responses["orders"] {
					n, err := strconv.Atoi(strings.TrimPrefix(item.Pk.S, "ORDER#ORD-"))
					if err != nil {
						errs <- fmt.Errorf("worker %d round %d: item %q", w, r, item.Pk.S)
						return
					}
					found[n] = true
				}
				if diff := cmp.Diff(stored, found); diff != "" {
					errs <- fmt.Errorf("worker %d round %d: items found (-acknowledged +found):\n%s", w, r, diff)
					return
				}
				for i := 0; i < len(next); i += 25 {
					body = appendOrdersBatch(body[:0], "orders", next[i:i+25])
					if code, out := serve(s, "BatchWriteItem", body); code != http.StatusOK {
						errs <- fmt.Errorf("worker %d round %d: write: %s", w, r, out)
						return
					}
				}
				acked[w].Store(int64(r*25 + 25))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &s.dyn.absent
	if !a.fresh["orders"] || a.filter == nil {
		t.Fatalf("the table was not read as fresh: the test proves nothing")
	}
	key := func(n int) []byte {
		k, _, err := s.dyn.tables["orders"].key(json.RawMessage(fmt.Sprintf(`{"pk":{"S":"ORDER#ORD-%08d"},"sk":{"S":"ORDER"}}`, n)))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	proved := 0
	for w := range workers {
		for i := range rounds * 25 {
			if a.proves(key(w*span + i)) {
				t.Fatalf("item %d was written, yet the filter proves it absent", w*span+i)
			}
			if a.proves(key(w*span + rounds*25 + i)) { // never written
				proved++
			}
		}
	}
	if proved < workers*rounds*25*9/10 {
		t.Errorf("the filter proved %d of %d keys never written absent; it should prove nearly all", proved, workers*rounds*25)
	}
}

// TestBlockFilter adds a million keys shaped as the loader's to a filter
// of the store's size: every key added is found (a Bloom filter has no
// false negatives), and of a million keys not added, few are "maybe".
func TestBlockFilter(t *testing.T) {
	if testing.Short() {
		t.Skip("a million keys")
	}
	const n = 1_000_000
	f := newBlockFilter(absenceBits)
	key := func(i int) []byte {
		return fmt.Appendf(nil, "i\x00\x01items\x00\x01SORDER#ORD-%08d\x00\x01SORDER\x00\x01", i)
	}
	for i := range n {
		f.add(key(i))
	}
	for i := range n {
		if !f.has(key(i)) {
			t.Fatalf("key %d was added, yet the filter does not have it", i)
		}
	}
	maybe := 0
	for i := n; i < 2*n; i++ {
		if f.has(key(i)) {
			maybe++
		}
	}
	// About 0.5% expected (see blockFilter); 1% leaves room for the seed.
	if rate := float64(maybe) / n; rate > 0.01 {
		t.Errorf("%.2f%% false positives at a million keys, want about 0.5%%", 100*rate)
	}
	t.Logf("%.3f%% false positives", 100*float64(maybe)/n)
}
