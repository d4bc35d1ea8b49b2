package dataset

import (
	"fmt"
	"sort"
	"strings"
)

// Set is a compiled group of datasets: the registry every component routes
// and looks datasets up through. It is immutable and safe for concurrent
// use.
type Set struct {
	byName map[string]*Dataset
	all    []*Dataset
}

// UnknownDatasetError reports a name no dataset of the set has.
type UnknownDatasetError struct {
	// Name is the name looked up.
	Name string
}

func (e *UnknownDatasetError) Error() string { return fmt.Sprintf("unknown dataset %q", e.Name) }

// NewSet compiles the datasets together: each must compile, names must be
// unique, prefixes must not overlap, and every lookup must name a Reference
// dataset of the set whose key templates use only the lookup's Match field.
// It returns every problem as Issues.
func NewSet(ds ...*Dataset) (*Set, error) {
	var is Issues
	s := &Set{byName: map[string]*Dataset{}}
	for _, d := range ds {
		if _, dup := s.byName[d.Name]; dup {
			is = append(is, Issue{Dataset: d.Name, Path: "Name", Code: CodeDuplicateName, Msg: "declared twice"})
			continue
		}
		s.byName[d.Name] = d
		s.all = append(s.all, d)
	}
	sort.Slice(s.all, func(i, j int) bool { return s.all[i].Name < s.all[j].Name })
	// References compile first so that lookups can see their field types.
	order := append([]*Dataset(nil), s.all...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Reference && !order[j].Reference })
	for _, d := range order {
		for i := range d.Enrichment.Lookups {
			l := &d.Enrichment.Lookups[i]
			p := fmt.Sprintf("Enrichment.Lookups[%d].From", i)
			ref, ok := s.byName[l.From]
			switch {
			case !ok:
				is = append(is, Issue{d.Name, p, CodeBadLookup, fmt.Sprintf("unknown dataset %q", l.From)})
				l.ref = nil
				continue
			case !ref.Reference:
				is = append(is, Issue{d.Name, p, CodeBadLookup, fmt.Sprintf("dataset %q is not a Reference dataset", l.From)})
			case !ref.Compiled():
				is = append(is, Issue{d.Name, p, CodeBadLookup, fmt.Sprintf("dataset %q does not compile", l.From)})
				l.ref = nil
				continue
			}
			for _, t := range []*Template{ref.c.pk, ref.c.sk} {
				for _, name := range t.Fields() {
					if name != l.MatchField() {
						is = append(is, Issue{d.Name, p, CodeBadLookup, fmt.Sprintf("dataset %q's key uses %q, not only the match field %q", l.From, name, l.MatchField())})
					}
				}
			}
			l.ref = ref
		}
		if err := d.Compile(); err != nil {
			is = append(is, err.(Issues)...)
		}
	}
	for i, a := range s.all {
		for _, b := range s.all[i+1:] {
			if strings.HasPrefix(a.Prefix, b.Prefix) || strings.HasPrefix(b.Prefix, a.Prefix) {
				is = append(is, Issue{b.Name, "Prefix", CodeOverlappingKeys, fmt.Sprintf("prefix %q overlaps dataset %q's %q", b.Prefix, a.Name, a.Prefix)})
			}
		}
	}
	if len(is) > 0 {
		sort.SliceStable(is, func(i, j int) bool {
			if is[i].Dataset != is[j].Dataset {
				return is[i].Dataset < is[j].Dataset
			}
			return is[i].Path < is[j].Path
		})
		return nil, is
	}
	return s, nil
}

// MustNewSet is NewSet that panics on error, for package-level
// declarations and tests.
func MustNewSet(ds ...*Dataset) *Set {
	s, err := NewSet(ds...)
	if err != nil {
		panic(err)
	}
	return s
}

// Lookup returns the dataset called name, or an *UnknownDatasetError.
func (s *Set) Lookup(name string) (*Dataset, error) {
	if d, ok := s.byName[name]; ok {
		return d, nil
	}
	return nil, &UnknownDatasetError{Name: name}
}

// All returns the datasets sorted by name. The slice is a copy.
func (s *Set) All() []*Dataset { return append([]*Dataset(nil), s.all...) }

// Names returns the dataset names, sorted.
func (s *Set) Names() []string {
	out := make([]string, len(s.all))
	for i, d := range s.all {
		out[i] = d.Name
	}
	return out
}

// ForKey routes an S3 key to its dataset: the one whose Prefix starts the
// key and one of whose suffixes ends it.
func (s *Set) ForKey(key string) (*Dataset, bool) {
	for _, d := range s.all {
		if d.Matches(key) {
			return d, true
		}
	}
	return nil, false
}
